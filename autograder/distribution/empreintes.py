"""Empreintes des vérifications visibles du maître : des données, recalculées à partir du planning.

Usage : ``python -m autograder.distribution.empreintes [--verifier | --ecrire]`` (``make student``)

La cellule des outils (``outils_verification``) du maître est écrite ici : le module des
vérifications visibles (``verifications.py``, à côté de ce fichier) recopié tel quel, puis ses
données. ``--verifier`` signale aussi une cellule qui n'est plus ce module, ou qui n'est plus
repliée (``REPLI``) ; ``--ecrire`` la réécrit.

Les cellules de vérification visibles (``ex2b_verif``, ``ex3_verif``…) jugent les résultats des
étudiants sans montrer de formule : elles comparent des nombres à des empreintes (hachages).
Ces empreintes ne sont pas du code : ce sont des **données**, écrites une seule fois dans la
cellule des outils (``outils_verification``), entre les lignes ``DEBUT_DONNEES`` et
``FIN_DONNEES`` (``_EMPREINTES``, du JSON), et lues par les vérifications avec ``_table`` et
``_scalaire``. Ce module les recalcule à partir du planning (T, beta_1, beta_T) :

- ``--verifier`` (par défaut) : échoue (code 1) en nommant chaque table ou empreinte qui diffère
  du planning, des données introuvables ou illisibles, et toute empreinte écrite hors des
  données (une table recopiée dans une vérification) ; n'écrit rien ;
- ``--ecrire`` : réécrit en place, dans le maître, le bloc des données (même écriture JSON que
  ``nbformat.write``) ; ensuite ``make student``.

Sources uniques de vérité, toutes deux lues dans le maître, rien n'y est recopié :

- le planning : les constantes ``T``, ``beta_1``, ``beta_T`` de la cellule ``ex1_reponse``
  (``beta = [0, linspace(beta_1, beta_T, T)]``, ``alpha = 1 - beta``,
  ``alpha_barre = cumprod(alpha)``, calculés comme dans le maître) ;
- la fonction d'empreinte : ``_empreinte`` est lue dans le module des vérifications
  (``verifications.py``) et exécutée telle quelle (avec ses imports), pour que les données
  soient calculées par la fonction même qui les compare dans le notebook.

Ce que chaque table encode, par étape t = 1, ..., T (3 décimales ; voir ``TABLES``) : les
coefficients attendus de la décomposition (moindres carrés, ``_coefficients``) du résultat de
l'étudiant, et ceux des erreurs typiques reconnues. Les empreintes scalaires (9 décimales ;
voir ``SCALAIRES``) sont alpha_barre_T, la moyenne, la variance et l'écart-type (erreur
typique) de x_T pour x_0 = 1 (``ex2b_verif`` ; alpha_barre_T aussi pour ``ex5b_verif``). Aucune
ne dépend d'un tirage aléatoire : les bruits rejoués par les graines sont des termes de la
décomposition, pas des valeurs hachées.

Ce qui reste à la main si le planning change : la référence cachée de ``ex1_verif``
(``_BETA_REF``, signalée ici si elle diffère ; les valeurs injectées à la correction viennent du
maître lui-même : ``autograder/correction/jugement/references.py``) et les textes qui citent les
valeurs.
"""
import argparse
import ast
import hashlib
import json
import re
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import nbformat
import numpy as np

from autograder.cellules import grade_id, meta_nbgrader, source
from autograder.chemins import NOTEBOOK_MAITRE, RACINE

#: Le module des vérifications visibles, recopié dans la cellule des outils (avant les données).
MODULE_VERIFICATIONS = Path(__file__).with_name("verifications.py")

DECIMALES_TABLES = 3      # _reconnu(_a, _ATTENDU[_t][0]) : décimales par défaut de _empreinte
DECIMALES_SCALAIRES = 9   # _reconnu(alpha_barre[T], {'…'}, 9)


@dataclass(frozen=True)
class Planning:
    """Le planning du bruit, calculé comme dans le maître (exercices 1 et 2)."""
    T: int
    beta_1: float
    beta_T: float

    @cached_property
    def beta(self):
        return np.concatenate([[0.], np.linspace(self.beta_1, self.beta_T, self.T)])

    @cached_property
    def alpha(self):
        return 1 - self.beta

    @cached_property
    def alpha_barre(self):
        return np.cumprod(self.alpha)


# Coefficients par étape t : un tuple de colonnes, chacune la liste des valeurs acceptées.
def _progressif(p, t):
    """ex3 : x_t = a x_(t-1) + b epsilon_t, a = racine(alpha_t), b = racine(beta_t)."""
    return [np.sqrt(p.alpha[t])], [np.sqrt(p.beta[t])]


def _direct(p, t):
    """ex4, ex5b : x_t = a x_0 + b epsilon, a = racine(alpha_barre_t), b = racine(1 - alpha_barre_t)."""
    return [np.sqrt(p.alpha_barre[t])], [np.sqrt(1 - p.alpha_barre[t])]


def _x0_chapeau(p, t):
    """ex7 : x^_0 = a x_t + b epsilon_theta, a = 1 / racine(alpha_barre_t), b = -racine(1 - alpha_barre_t) a."""
    return [1 / np.sqrt(p.alpha_barre[t])], [-np.sqrt(1 - p.alpha_barre[t]) / np.sqrt(p.alpha_barre[t])]


def _algorithme_2(p, t):
    """ex8, ex9 : x_(t-1) = a x_t + b epsilon_theta + c z (algorithme 2) ; a = 1 / racine(alpha_t),
    b = -beta_t / (racine(1 - alpha_barre_t) racine(alpha_t)), c = sigma_t avec sigma_t² = beta_t
    (algorithme 2) ou sigma_t² = beta~_t = beta_t (1 - alpha_barre_(t-1)) / (1 - alpha_barre_t), les deux acceptés."""
    b, ab = p.beta, p.alpha_barre
    return ([1 / np.sqrt(p.alpha[t])], [-b[t] / np.sqrt(1 - ab[t]) / np.sqrt(p.alpha[t])],
            [np.sqrt(b[t]), np.sqrt(b[t] * (1 - ab[t - 1]) / (1 - ab[t]))])


def _faute_bruit(p, t):
    """ex3, erreur typique : beta_t au lieu de sa racine devant epsilon."""
    return ([p.beta[t]],)


def _faute_alpha(p, t):
    """ex4, erreur typique : racine(alpha_t) au lieu de racine(alpha_barre_t) devant x_0."""
    return ([np.sqrt(p.alpha[t])],)


def _faute_racine(p, t):
    """ex7, erreur typique : division par alpha_barre_t au lieu de sa racine."""
    return ([1 / p.alpha_barre[t]],)


def _faute_alpha_barre(p, t):
    """ex9, erreur typique : division par racine(alpha_barre_t) au lieu de racine(alpha_t)."""
    return ([1 / np.sqrt(p.alpha_barre[t])],)


#: grade_id -> nom de la table -> coefficients de l'étape t.
TABLES = {
    "ex3_verif": {"_ATTENDU": _progressif, "_FAUTE_BRUIT": _faute_bruit},
    "ex4_verif": {"_ATTENDU": _direct, "_FAUTE_ALPHA": _faute_alpha},
    "ex5b_verif": {"_ATTENDU": _direct},
    "ex7_verif": {"_ATTENDU": _x0_chapeau, "_FAUTE_RACINE": _faute_racine},
    "ex8_verif": {"_ATTENDU": _algorithme_2},
    "ex9_verif": {"_ATTENDU": _algorithme_2, "_FAUTE_ALPHA_BARRE": _faute_alpha_barre},
}

#: grade_id -> nom de l'empreinte -> valeur attendue (9 décimales) ; « ecart_type_x_T » : erreur typique.
SCALAIRES = {
    "ex2b_verif": {
        "alpha_barre[T]": lambda p: p.alpha_barre[p.T],
        "mu_x_T": lambda p: np.sqrt(p.alpha_barre[p.T]),                 # moyenne de x_T si x_0 = 1
        "ecart_type_x_T": lambda p: np.sqrt(1 - p.alpha_barre[p.T]),     # écart-type : erreur typique
        "sigma_x_T": lambda p: 1 - p.alpha_barre[p.T],                   # variance
    },
}

#: Les données, dans la cellule ``outils_verification`` : entre ces deux lignes, écrites par ce module.
DEBUT_DONNEES = "# -- empreintes : données écrites par « make empreintes », ne pas modifier à la main --"
FIN_DONNEES = "# -- fin des empreintes --"
_DONNEES = re.compile(re.escape(DEBUT_DONNEES) + r'\n_EMPREINTES = json\.loads\("""\n(?P<json>[\s\S]*?)\n"""\)\n'
                      + re.escape(FIN_DONNEES))
#: Une empreinte littérale (12 chiffres hexadécimaux entre apostrophes) : seulement dans les données.
EMPREINTE_LITTERALE = re.compile(r"['\"][0-9a-f]{12}['\"]")


class MaitreIllisible(ValueError):
    """Le maître ne contient pas ce qu'il faut pour calculer les empreintes (message en français)."""


def _cellule(nb, identifiant):
    for cellule in nb.cells:
        if grade_id(cellule) == identifiant:
            return cellule
    raise MaitreIllisible(f"cellule « {identifiant} » introuvable dans le maître.")


def _constantes(texte):
    """Affectations ``nom = constante`` au premier niveau d'un code source."""
    return {cible.id: noeud.value.value for noeud in ast.parse(texte).body if isinstance(noeud, ast.Assign)
            for cible in noeud.targets if isinstance(cible, ast.Name) and isinstance(noeud.value, ast.Constant)}


def planning_du_maitre(nb) -> Planning:
    """Le planning écrit dans la cellule ``ex1_reponse`` du maître."""
    constantes = _constantes(source(_cellule(nb, "ex1_reponse")))
    manquent = [nom for nom in ("T", "beta_1", "beta_T") if nom not in constantes]
    if manquent:
        raise MaitreIllisible(f"ex1_reponse ne donne pas {', '.join(manquent)} comme constante(s) (nom = valeur).")
    return Planning(int(constantes["T"]), float(constantes["beta_1"]), float(constantes["beta_T"]))


def fonction_empreinte():
    """La fonction ``_empreinte`` du module des vérifications, exécutée telle quelle (avec ses
    imports) : celle que la cellule des outils recevra, et non celle qu'elle contient encore."""
    arbre = ast.parse(MODULE_VERIFICATIONS.read_text(encoding="utf-8"))
    garde = [n for n in arbre.body if isinstance(n, (ast.Import, ast.ImportFrom))
             or (isinstance(n, ast.FunctionDef) and n.name == "_empreinte")]
    if not any(isinstance(n, ast.FunctionDef) for n in garde):
        raise MaitreIllisible(f"{MODULE_VERIFICATIONS.name} ne définit plus _empreinte.")
    espace = {"np": np, "hashlib": hashlib}
    exec(compile(ast.Module(body=garde, type_ignores=[]), MODULE_VERIFICATIONS.name, "exec"), espace)
    return espace["_empreinte"]


def _unique(valeurs):
    return list(dict.fromkeys(valeurs))


def donnees_calculees(planning: Planning, empreinte) -> dict:
    """Les données des vérifications : ``{"tables": {grade_id: {nom: {t: [[empreintes de chaque
    coefficient], ...]}}}, "scalaires": {grade_id: {nom: empreinte}}}`` (clés t en texte, comme en JSON)."""
    tables = {gid: {nom: {str(t): [_unique(empreinte(v, DECIMALES_TABLES) for v in colonne)
                                   for colonne in coefficients(planning, t)]
                          for t in range(1, planning.T + 1)}
                    for nom, coefficients in tables.items()}
              for gid, tables in TABLES.items()}
    scalaires = {gid: {nom: empreinte(valeur(planning), DECIMALES_SCALAIRES) for nom, valeur in valeurs.items()}
                 for gid, valeurs in SCALAIRES.items()}
    return {"tables": tables, "scalaires": scalaires}


def ecrire_donnees(donnees: dict) -> str:
    """Le bloc des données tel qu'il s'écrit dans la cellule des outils : une ligne JSON par table."""
    lignes = ['{"tables": {']
    gids = list(donnees["tables"])
    for i, gid in enumerate(gids):
        noms = list(donnees["tables"][gid])
        lignes.append(f"  {json.dumps(gid)}: {{")
        for k, nom in enumerate(noms):
            virgule = "," if k < len(noms) - 1 else ""
            lignes.append(f"    {json.dumps(nom)}: {json.dumps(donnees['tables'][gid][nom])}{virgule}")
        lignes.append("  }" + ("," if i < len(gids) - 1 else ""))
    bareme = f', "bareme": {json.dumps(donnees["bareme"])}' if "bareme" in donnees else ""
    lignes.append(f'}}, "scalaires": {json.dumps(donnees["scalaires"])}{bareme}}}')
    return "\n".join([DEBUT_DONNEES, '_EMPREINTES = json.loads("""', *lignes, '""")', FIN_DONNEES])


def bareme_du_maitre(nb) -> dict:
    """{grade_id : points} des cellules notées du maître (lu par ``bilan()``)."""
    return {grade_id(c): meta_nbgrader(c)["points"] for c in nb.cells
            if meta_nbgrader(c).get("grade") and not meta_nbgrader(c).get("solution")}


def donnees_du_maitre(nb) -> dict:
    """Les données de la cellule des outils : empreintes du planning du maître et son barème."""
    donnees = donnees_calculees(planning_du_maitre(nb), fonction_empreinte())
    donnees["bareme"] = bareme_du_maitre(nb)
    return donnees


def cellule_outils(bloc: str) -> str:
    """La source de la cellule des outils : le module des vérifications, puis les données."""
    return MODULE_VERIFICATIONS.read_text(encoding="utf-8").rstrip("\n") + "\n\n\n" + bloc


#: Métadonnées qui replient la cellule des outils : Colab (vue formulaire, avec le ``#@title``
#: de la première ligne du module) et Jupyter (source masquée).
REPLI = {"cellView": "form", "jupyter": {"source_hidden": True}}


@dataclass(frozen=True)
class Ecart:
    """Ce qui, dans le maître, n'est pas ce que donne le planning. ``genre`` : « différente »
    (``--ecrire`` la réécrit), « à la main » (hors des données : à corriger soi-même) ou
    « illisible » (données introuvables ou illisibles, empreinte hors des données : ``--ecrire``
    n'écrit rien)."""
    grade_id: str
    nom: str
    message: str
    genre: str = "différente"

    def __str__(self):
        return f"{self.grade_id}, {self.nom} : {self.message}"


@dataclass
class Resultat:
    """Résultat de ``verifier`` ou ``ecrire`` : les écarts trouvés, et si le maître a été réécrit."""
    planning: Planning
    ecarts: list[Ecart]
    ecrit: bool = False

    @property
    def a_jour(self) -> bool:
        return not self.ecarts


def _ecarts_donnees(ecrites: dict, calculees: dict) -> list[Ecart]:
    """Une ligne par table ou empreinte qui diffère (ou manque, ou est de trop)."""
    ecarts = []
    for genre in ("tables", "scalaires", "bareme"):
        ecrit, calcule = ecrites.get(genre, {}), calculees[genre]
        if genre == "bareme":
            ecarts += [Ecart(gid, "points", "absents des données." if gid not in ecrit else
                             f"{ecrit.get(gid)} dans les données, {calcule.get(gid)} au barème du maître.")
                       for gid in sorted(set(ecrit) | set(calcule)) if ecrit.get(gid) != calcule.get(gid)]
            continue
        for gid in sorted(set(ecrit) | set(calcule)):
            for nom in sorted(set(ecrit.get(gid, {})) | set(calcule.get(gid, {}))):
                a, b = ecrit.get(gid, {}).get(nom), calcule.get(gid, {}).get(nom)
                if a == b:
                    continue
                if genre == "tables" and isinstance(a, dict) and isinstance(b, dict):
                    etapes = sorted((t for t in set(a) | set(b) if a.get(t) != b.get(t)), key=int)
                    message = "empreintes différentes aux étapes t = " + ", ".join(etapes) + "."
                elif a is not None and b is not None:
                    message = "empreinte différente."
                else:
                    message = "absente des données." if a is None else "de trop (ce module ne la calcule pas)."
                ecarts.append(Ecart(gid, nom, message))
    return ecarts


def _hors_des_donnees(nb) -> list[Ecart]:
    """Empreintes écrites ailleurs que dans les données (une table recopiée dans une vérification)."""
    ecarts = []
    for cellule in nb.cells:
        texte = _DONNEES.sub("", source(cellule)) if cellule.cell_type == "code" else ""
        if EMPREINTE_LITTERALE.search(texte):
            ecarts.append(Ecart(grade_id(cellule) or "(cellule sans grade_id)", "empreinte littérale",
                                "les empreintes vivent dans les données de la cellule outils_verification "
                                "(_table, _scalaire), pas dans le code d'une vérification.", "illisible"))
    return ecarts


def _coherence_ex1(nb, planning):
    """La référence cachée de ``ex1_verif`` (``np.linspace(beta_1, beta_T, T)``, mots-clés de
    ``_tp_apres_cette_cellule``) doit donner le même planning : à corriger à la main sinon."""
    attendu = {"T": planning.T, "beta_1": planning.beta_1, "beta_T": planning.beta_T}
    trouves = []
    for noeud in ast.walk(ast.parse(source(_cellule(nb, "ex1_verif")))):
        if not isinstance(noeud, ast.Call):
            continue
        nom = noeud.func.attr if isinstance(noeud.func, ast.Attribute) else getattr(noeud.func, "id", "")
        if nom == "linspace" and all(isinstance(a, ast.Constant) for a in noeud.args) and len(noeud.args) == 3:
            valeurs = (a.value for a in noeud.args)
            trouves.append(("np.linspace(…)", dict(zip(("beta_1", "beta_T", "T"), valeurs, strict=True))))
    return [Ecart("ex1_verif", appel, f"référence cachée {valeurs} différente du planning de ex1_reponse "
                                      f"{attendu} : à corriger à la main.", "à la main")
            for appel, valeurs in trouves if any(not np.isclose(v, attendu[k]) for k, v in valeurs.items())]


def _traiter(nb) -> tuple[Planning, list[Ecart]]:
    """Recalcule les données et les remplace dans ``nb`` (en mémoire) ; rend les écarts."""
    planning = planning_du_maitre(nb)
    calculees = donnees_du_maitre(nb)
    ecarts = _coherence_ex1(nb, planning) + _hors_des_donnees(nb)
    for gid in sorted(set(TABLES) | set(SCALAIRES)):
        _cellule(nb, gid)  # introuvable : MaitreIllisible
    outils = _cellule(nb, "outils_verification")
    trouve = _DONNEES.search(source(outils))
    if trouve is None:
        return planning, ecarts + [Ecart("outils_verification", "_EMPREINTES", (
            f"données introuvables (attendues entre « {DEBUT_DONNEES} » et « {FIN_DONNEES} ») : "
            "rien n'a été écrit."), "illisible")]
    try:
        ecrites = json.loads(trouve["json"])
        if not (isinstance(ecrites, dict)
                and all(isinstance(ecrites.get(g, {}), dict) for g in ("tables", "scalaires"))):
            raise ValueError("il faut un objet {\"tables\": {…}, \"scalaires\": {…}}")
    except ValueError as erreur:  # JSONDecodeError comprise
        return planning, ecarts + [Ecart("outils_verification", "_EMPREINTES", f"JSON illisible ({erreur}).",
                                         "illisible")]
    ecarts += _ecarts_donnees(ecrites, calculees)
    attendue = cellule_outils(ecrire_donnees(calculees))
    if source(outils).replace(trouve[0], "") != cellule_outils(""):  # le code, hors données
        ecarts.append(Ecart("outils_verification", "code", f"n'est pas le module {MODULE_VERIFICATIONS.name} "
                                                           "(autograder/distribution/)."))
    if any(outils.metadata.get(cle) != valeur for cle, valeur in REPLI.items()):
        ecarts.append(Ecart("outils_verification", "repli", "la cellule n'est pas repliée (cellView, source_hidden)."))
    outils.source = attendue
    outils.metadata.update(REPLI)
    return planning, ecarts


def verifier(*, maitre: Path = NOTEBOOK_MAITRE) -> Resultat:
    """Compare les empreintes du maître à celles que donne son planning ; n'écrit rien."""
    nb = nbformat.read(maitre, as_version=nbformat.NO_CONVERT)
    planning, ecarts = _traiter(nb)
    return Resultat(planning, ecarts)


def ecrire(*, maitre: Path = NOTEBOOK_MAITRE) -> Resultat:
    """Réécrit dans le maître les données qui diffèrent ; n'écrit rien si quelque chose est illisible."""
    nb = nbformat.read(maitre, as_version=nbformat.NO_CONVERT)
    planning, ecarts = _traiter(nb)
    differentes = [e for e in ecarts if e.genre == "différente"]
    if not differentes or any(e.genre == "illisible" for e in ecarts):
        return Resultat(planning, ecarts)
    # Même écriture que nbformat.write (indentation 1, clés triées, UTF-8 non échappé), comme typographie.py.
    Path(maitre).write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
    return Resultat(planning, ecarts, ecrit=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--verifier", action="store_true", help="compare sans rien écrire (par défaut)")
    mode.add_argument("--ecrire", action="store_true", help="réécrit dans le maître les données qui diffèrent")
    parser.add_argument("--maitre", type=Path, default=NOTEBOOK_MAITRE,
                        help="notebook maître (par défaut : %(default)s)")
    args = parser.parse_args(argv)
    try:
        resultat = (ecrire if args.ecrire else verifier)(maitre=args.maitre)
    except (MaitreIllisible, OSError, ValueError, SyntaxError) as erreur:
        print(f"Empreintes : {args.maitre} illisible : {erreur}", file=sys.stderr)
        return 1
    planning = f"T = {resultat.planning.T}, beta_1 = {resultat.planning.beta_1}, beta_T = {resultat.planning.beta_T}"
    nom = _affichable(args.maitre)
    if resultat.ecrit:
        print(f"Empreintes réécrites dans {nom} ({planning}) :")
        print("\n".join(f"  - {e}" for e in resultat.ecarts if e.genre == "différente"))
    restent = [e for e in resultat.ecarts if not (resultat.ecrit and e.genre == "différente")]
    if not restent:
        print("Régénérez le notebook étudiant (make student le fait)." if resultat.ecrit
              else f"Les empreintes de {nom} sont à jour ({planning}).")
        return 0
    print(f"{nom} n'est pas cohérent avec son planning ({planning}) :", file=sys.stderr)
    print("\n".join(f"  - {e}" for e in restent), file=sys.stderr)
    if any(e.genre == "illisible" for e in restent):
        print("Rien n'a été écrit : corrigez d'abord ce qui est illisible.", file=sys.stderr)
    elif any(e.genre == "différente" for e in restent):
        print("Lancez « make student » pour réécrire les données (puis relisez le diff du maître).", file=sys.stderr)
    else:
        print("Corrigez-le à la main, puis relancez « make student ».", file=sys.stderr)
    return 1


def _affichable(chemin):
    """Le chemin relatif au dépôt s'il y est (messages sans chemin propre à la machine)."""
    try:
        return Path(chemin).resolve().relative_to(RACINE)
    except ValueError:
        return chemin

if __name__ == "__main__":
    sys.exit(main())
