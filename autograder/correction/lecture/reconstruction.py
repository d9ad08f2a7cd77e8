"""Remettre une remise sur le squelette du notebook publié, quoi que l'étudiant en ait fait.

nbgrader retrouve les cellules par leurs métadonnées (``grade_id``) : si un éditeur les a
effacées (certains le font), si l'étudiant a supprimé, dupliqué, déplacé une cellule de
vérification, ou changé le type d'une cellule, nbgrader donne 0 ou s'arrête. Ici, on part
du notebook publié (toutes ses cellules, dans l'ordre, avec leurs métadonnées) et on y
remet les réponses de l'étudiant :

1. chaque cellule à compléter reçoit la cellule de l'étudiant qui lui correspond : par
   ``grade_id`` quand les métadonnées sont là, sinon par le texte fixe qui entoure les
   ``...`` (commentaires, lignes fournies), en respectant l'ordre du notebook ;
2. les cellules ajoutées par l'étudiant (ses essais, ses fonctions utilitaires) sont
   gardées, à leur place relative ;
3. les cellules fournies et les vérifications viennent toujours du notebook publié (les
   doublons, copies ou versions modifiées de l'étudiant sont écartés).
"""
import copy
import difflib
import re

from autograder.cellules import meta_nbgrader, source

_TROU = re.compile(r"(=|in) \.\.\.( :)?\s*$")
SEUIL_RESSEMBLANCE = 0.5


def _lignes_fixes(texte):
    """Lignes non vides d'une cellule à compléter qui ne sont pas des trous."""
    return [" ".join(ligne.split()) for ligne in texte.splitlines() if ligne.strip() and not _TROU.search(ligne)]


def ressemblance(cellule_gabarit, cellule_remise):
    """Part des lignes fixes de la cellule publiée qu'on retrouve dans la cellule remise."""
    fixes = _lignes_fixes(source(cellule_gabarit))
    if not fixes:
        return 0.0
    lignes = {" ".join(ligne.split()) for ligne in source(cellule_remise).splitlines()}
    return sum(ligne in lignes for ligne in fixes) / len(fixes)


def _identique_a_une_cellule_fournie(cellule, fournies):
    texte = " ".join(source(cellule).split())
    return any(texte == f for f in fournies) or any(
        difflib.SequenceMatcher(None, texte, f).ratio() > 0.95 for f in fournies if abs(len(f) - len(texte)) < 50)


def _apparier_par_texte(reponses, cellules):
    """Alignement ordonné (programmation dynamique) maximisant la ressemblance totale.

    Renvoie {indice de la cellule à compléter: indice de la cellule remise}.
    """
    n, m = len(reponses), len(cellules)
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    choix = [[None] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            options = [(score[i + 1][j], "saute_reponse"), (score[i][j + 1], "saute_cellule")]
            r = ressemblance(reponses[i], cellules[j])
            if r >= SEUIL_RESSEMBLANCE:
                options.append((r + score[i + 1][j + 1], "apparie"))
            score[i][j], choix[i][j] = max(options, key=lambda o: o[0])
    appariement, i, j = {}, 0, 0
    while i < n and j < m:
        if choix[i][j] == "apparie":
            appariement[i] = j
            i, j = i + 1, j + 1
        elif choix[i][j] == "saute_reponse":
            i += 1
        else:
            j += 1
    return appariement


def reconstruire(remise, gabarit):
    """Renvoie ``(notebook, remarques)`` : le gabarit publié rempli avec la remise.

    ``remise`` et ``gabarit`` sont des notebooks nbformat 4 (``NotebookNode``) ;
    ni l'un ni l'autre n'est modifié.
    """
    remarques = []
    cellules_gabarit = gabarit.cells
    a_completer = [i for i, c in enumerate(cellules_gabarit) if meta_nbgrader(c).get("solution")]
    ids_reponses = {meta_nbgrader(cellules_gabarit[i]).get("grade_id"): i for i in a_completer}
    fournies = [" ".join(source(c).split()) for c in cellules_gabarit if not meta_nbgrader(c).get("solution")]

    # 1. Quelle cellule remise répond à quelle cellule à compléter ?
    code_remis = list(remise.cells)
    par_id = {}
    for j, cellule in enumerate(code_remis):
        gid = meta_nbgrader(cellule).get("grade_id")
        if gid in ids_reponses:
            par_id[gid] = j  # la dernière l'emporte si l'étudiant a dupliqué la cellule
    if len(par_id) == len(ids_reponses):
        appariement = {ids_reponses[gid]: j for gid, j in par_id.items()}
    else:
        candidates = [j for j, c in enumerate(code_remis) if not meta_nbgrader(c).get("grade")]
        alignement = _apparier_par_texte([cellules_gabarit[i] for i in a_completer],
                                         [code_remis[j] for j in candidates])
        appariement = {a_completer[k]: candidates[j] for k, j in alignement.items()}
        remarques.append("métadonnées nbgrader absentes ou incomplètes : cellules retrouvées par leur texte "
                         f"({len(appariement)}/{len(a_completer)} cellules à compléter)")

    # 2. Les cellules ajoutées par l'étudiant, rattachées à la cellule du gabarit qui les précède.
    ajoutees = _ajouts(cellules_gabarit, code_remis, appariement, fournies)

    # 3. Le gabarit, rempli.
    resultat = copy.deepcopy(gabarit)
    cellules = []
    for i, cellule in enumerate(resultat.cells):
        if a_completer and i == a_completer[0]:  # ajouts placés avant toute réponse
            cellules += [_cellule_ajoutee(c) for c in ajoutees.get(None, [])]
        if i in appariement:
            remise_i = code_remis[appariement[i]]
            if remise_i.get("cell_type") != cellule.cell_type:
                remarques.append(f"cellule « {meta_nbgrader(cellule).get('grade_id')} » "
                                 f"remise en {remise_i.get('cell_type')} : remise en code")
            cellule.source = source(remise_i)
        elif i in a_completer:
            remarques.append(f"réponse « {meta_nbgrader(cellule).get('grade_id')} » introuvable : cellule laissée vide")
        cellules.append(cellule)
        for ajout in ajoutees.get(i, []):
            cellules.append(_cellule_ajoutee(ajout))
    resultat.cells = cellules
    return resultat, remarques


def _ajouts(cellules_gabarit, code_remis, appariement, fournies):
    """Cellules ajoutées par l'étudiant, par indice de la cellule du gabarit qui les précède
    (une réponse, une vérification, une cellule fournie : par grade_id ou par texte ;
    ``None`` : avant toute réponse)."""
    ajoutees, derniere = {}, None
    inverse = {j: i for i, j in appariement.items()}
    par_grade_id = {meta_nbgrader(c).get("grade_id"): i for i, c in enumerate(cellules_gabarit)
                    if meta_nbgrader(c).get("grade_id")}
    par_texte = {" ".join(source(c).split()): i for i, c in enumerate(cellules_gabarit)}
    for j, cellule in enumerate(code_remis):
        if j in inverse:
            derniere = inverse[j]  # les réponses donnent l'ordre, même si une vérification a été déplacée
            continue
        meta = meta_nbgrader(cellule)
        repere = par_grade_id.get(meta.get("grade_id"), par_texte.get(" ".join(source(cellule).split())))
        if repere is not None:
            derniere = repere if derniere is None else max(derniere, repere)
        if meta.get("grade") or meta.get("locked") or meta.get("solution"):
            continue  # vérification, cellule fournie ou doublon de réponse : le gabarit fait foi
        if cellule.get("cell_type") != "code" or not source(cellule).strip():
            continue  # notes personnelles en Markdown, cellules vides : sans effet sur la note
        if repere is not None or _identique_a_une_cellule_fournie(cellule, fournies):
            continue  # copie d'une cellule fournie ou d'une vérification
        ajoutees.setdefault(derniere, []).append(cellule)
    return ajoutees


def _cellule_ajoutee(cellule):
    from nbformat.v4 import new_code_cell

    return new_code_cell(source(cellule))
