"""Aucune cellule de code visible du notebook étudiant ne contient la réponse d'un exercice.

Les réponses sont les lignes de solution du maître (terminées par ``# SOLUTION``, ou dans une
région ``### BEGIN SOLUTION`` / ``### END SOLUTION``). Chacune est normalisée (espaces, préfixes
``np.`` / ``numpy.`` / ``math.``, soulignés de tête, indices ``t``, ``T``, ``1``, ``2`` réduits à
un seul symbole), puis cherchée, avec son membre de droite et les termes de ce membre de droite,
dans chaque cellule de code visible (cellules fournies, de réponse, de vérification, « pour aller
plus loin »), normalisée de la même façon. Un second passage remplace en plus les noms de
variables par un symbole (``eps`` ou ``epsilon_theta_xt_t``, ``x[T]`` ou ``x_t``) : la formule se
voit même quand la vérification renomme les variables. Rapide : aucun noyau, aucun TensorFlow.
"""
import json
import re

import pytest

from autograder.cellules import source
from autograder.chemins import NOTEBOOK_ETUDIANT, NOTEBOOK_MAITRE
from autograder.distribution.preprocessors import MARQUEUR_SOLUTION

#: Noms gardés tels quels par l'abstraction des variables : le planning du bruit, les fonctions
#: de NumPy et du réseau. Tout autre identifiant devient « ¤ ».
NOMS_GARDES = {
    "alpha", "beta", "alpha_barre", "sqrt", "cumprod", "cumsum", "linspace", "concatenate",
    "random", "normal", "randn", "standard_normal", "randint", "full", "array", "zeros",
    "clip", "model", "predict", "training", "numpy", "range", "float", "None", "True", "False",
}
#: Réponses qui figurent, de l'aveu même du brouillon de l'enseignant, dans le code fourni : le
#: tirage d'un bruit N(0, 1) de la taille d'une image (ligne ``x_T = ...`` de l'exercice 8). Le
#: trou correspondant (``epsilon = ...`` des exercices 3, 4, 7) reste un exercice de lecture.
PUBLIQUES = {"random.normal(0,§,(28,28))"}
LONGUEUR_MINIMALE = 12
FORMULE = r"alpha|beta|model|random|linspace|cumprod"



def normaliser(code):
    """Code sans espaces, commentaires, préfixes de modules ni soulignés de tête ; indices réduits."""
    code = MARQUEUR_SOLUTION.sub("", code)
    code = "\n".join(re.sub(r"\s#[^'\"]*$", "", ligne) for ligne in code.splitlines())
    code = re.sub(r"\s+", "", code)
    code = re.sub(r"\b(?:np|numpy|math)\.", "", code)
    code = re.sub(r"(?<![\w.])_+(?=[A-Za-z])", "", code)
    return re.sub(r"\b(?:t|T|1|2)\b", "§", code)


def abstraire(code_normalise):
    """Remplace les noms de variables (hors ``NOMS_GARDES``) par « ¤ »."""
    code = re.sub(r"\b[A-Za-z_]\w*\b", lambda m: m.group(0) if m.group(0) in NOMS_GARDES else "¤",
                  code_normalise)
    return re.sub(r"¤(?:\[[^\]]*\])+", "¤", code)  # x[T] et x_t : même variable


def _termes(expression):
    """Les termes de premier niveau d'une somme : ``a*b+c`` -> ``[a*b, c]``."""
    termes, profondeur, debut = [], 0, 0
    for i, car in enumerate(expression):
        profondeur += car in "([{"
        profondeur -= car in ")]}"
        if car == "+" and profondeur == 0 and i > debut:
            termes.append(expression[debut:i])
            debut = i + 1
    return termes + [expression[debut:]]


def morceaux_secrets(ligne):
    """La ligne normalisée, son membre de droite et les termes de ce membre de droite."""
    norm = normaliser(ligne)
    morceaux = {norm}
    boucle = re.match(r"^for.+?in(.+):$", norm)
    affectation = re.match(r"^[^=]+?(?<![=!<>])=(?!=)(.+)$", norm)
    droite = boucle.group(1) if boucle else affectation.group(1) if affectation else None
    if droite:
        morceaux |= {droite, *(_termes(droite) if len(_termes(droite)) > 1 else [])}
    publiques = {abstraire(p) for p in PUBLIQUES}
    # Une ligne sans planning du bruit, réseau ni tirage (un affichage) ne répond à aucun
    # exercice ; l'en-tête d'une boucle (ses bornes) est toujours une réponse.
    return {m for m in morceaux if len(m) >= LONGUEUR_MINIMALE and (re.search(FORMULE, m) or m == droite and boucle)
            and abstraire(m).split("=", 1)[-1] not in publiques}


def lignes_de_solution(maitre):
    """(grade_id, ligne) de chaque ligne de solution des cellules de code du maître."""
    for cellule in maitre["cells"]:
        if cellule["cell_type"] != "code":
            continue
        gid = cellule["metadata"].get("nbgrader", {}).get("grade_id")
        dans_region = False
        for ligne in source(cellule).splitlines():
            if "BEGIN SOLUTION" in ligne:
                dans_region = True
            elif "END SOLUTION" in ligne:
                dans_region = False
            elif ((dans_region or MARQUEUR_SOLUTION.search(ligne))
                  and ligne.strip() and not ligne.strip().startswith("#")):
                yield gid, ligne


def fuites(maitre, etudiant):
    """Liste de (cellule visible, réponse du maître, morceau retrouvé)."""
    visibles = [(c["metadata"].get("nbgrader", {}).get("grade_id") or c.get("id"), normaliser(source(c)))
                for c in etudiant["cells"] if c["cell_type"] == "code"]
    trouvees = []
    for _, ligne in lignes_de_solution(maitre):
        for morceau in morceaux_secrets(ligne):
            abstrait = abstraire(morceau)
            # L'abstraction n'est sûre que si la formule garde au moins un nom du planning.
            avec_abstraction = len(abstrait) >= LONGUEUR_MINIMALE and re.search(FORMULE, abstrait)
            for nom, texte in visibles:
                if morceau in texte or (avec_abstraction and abstrait in abstraire(texte)):
                    trouvees.append((nom, ligne.strip(), morceau))
    return trouvees


def _lire(chemin):
    return json.loads(chemin.read_text(encoding="utf-8"))


def test_aucune_reponse_dans_le_code_visible_du_notebook_etudiant():
    maitre = _lire(NOTEBOOK_MAITRE)
    assert sum(1 for _ in lignes_de_solution(maitre)) > 40  # le maître contient bien des réponses
    trouvees = fuites(maitre, _lire(NOTEBOOK_ETUDIANT))
    assert not trouvees, "Réponses visibles dans le notebook étudiant :\n" + "\n".join(
        f"  cellule {nom} : {morceau}   (réponse : {ligne})" for nom, ligne, morceau in trouvees)


def _notebook(*cellules):
    return {"cells": [{"cell_type": "code", "id": f"c{i}", "metadata": {"nbgrader": {"grade_id": gid}},
                       "source": source} for i, (gid, source) in enumerate(cellules)]}


MAITRE_MINIATURE = _notebook(
    ("ex3_reponse", "for t in range(1, T+1):\n"
                    "    x[t] = np.sqrt(alpha[t]) * x[t-1] + np.sqrt(beta[t]) * epsilon  # SOLUTION\n"),
    ("ex8_reponse", "x[t-1] = (x[t] - beta[t] / np.sqrt(1 - alpha_barre[t]) * eps_t) / np.sqrt(alpha[t])"
                    " + np.sqrt(beta[t]) * z  # SOLUTION\n"),
    ("ex9_reponse", "for t in range(T, 0, -1):  # SOLUTION\n"),
    ("autre", "### BEGIN SOLUTION\nalpha_barre = np.cumprod(1 - beta)\n### END SOLUTION\n"),
)


@pytest.mark.parametrize("fuite", [
    # Telles que les vérifications visibles les écrivaient avant l'issue 10 :
    "assert np.allclose(x[T], np.sqrt(alpha[T]) * x[T - 1] + np.sqrt(beta[T]) * epsilon, atol=1e-6)",
    "def _m(x_t, t, eps):\n    return (x_t - beta[t] / np.sqrt(1 - alpha_barre[t]) * eps) / np.sqrt(alpha[t])",
    "ab = numpy.cumprod( 1-beta )",
    "assert t == 1, f\"La boucle doit se terminer par t = 1 (ici {t}) : for t in range(T, 0, -1).\"",
])
def test_une_fuite_plantee_est_trouvee(fuite):
    etudiant = _notebook(("ex3_reponse", "for t in range(1, T+1):\n    x[t] = ...\n"), ("ex3_verif", fuite))
    assert [nom for nom, _, _ in fuites(MAITRE_MINIATURE, etudiant)] and \
        {nom for nom, _, _ in fuites(MAITRE_MINIATURE, etudiant)} == {"ex3_verif"}


def test_un_code_sans_reponse_ne_declenche_rien():
    etudiant = _notebook(
        ("ex3_reponse", "for t in range(1, T+1):\n    x[t] = ...\n"),
        ("ex3_verif", "(_a, _b), _e = _coefficients(x[_t], x[_t - 1], _bruits[_t])\n"
                      "assert _reconnu(_a, _ATTENDU[_t][0])"),
    )
    assert fuites(MAITRE_MINIATURE, etudiant) == []
