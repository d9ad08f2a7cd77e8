"""Lire les cellules d'un notebook, en un seul endroit (code de l'autograder et tests).

Une cellule peut être un dict JSON (``json.load``) ou un ``NotebookNode`` (``nbformat``), et
sa source une chaîne ou une liste de lignes : ``source`` rend toujours une chaîne.
"""
import re

#: Marqueurs de région de nbgrader (``### BEGIN HIDDEN TESTS`` … ``### END HIDDEN TESTS``).
REGION = re.compile(r"(BEGIN|END)\s+(SOLUTION|HIDDEN\s+TESTS|MARK\s+SCHEME)")
TOUTES_LES_REGIONS = ("SOLUTION", "HIDDEN TESTS", "MARK SCHEME")
#: Une ligne cachée de 12 caractères au plus (``pass``, ``else:``) ne trahit rien.
LONGUEUR_MIN_SECRET = 12


def source(cellule) -> str:
    """Source de la cellule, en une chaîne."""
    texte = cellule.get("source", "")
    return texte if isinstance(texte, str) else "".join(texte)


def meta_nbgrader(cellule) -> dict:
    """Métadonnées nbgrader de la cellule (vide si l'éditeur les a effacées)."""
    return cellule.get("metadata", {}).get("nbgrader", {})


def grade_id(cellule):
    """Identifiant nbgrader de la cellule, ou ``None``."""
    return meta_nbgrader(cellule).get("grade_id")


def separer_regions(texte: str, *, regions=("HIDDEN TESTS",)) -> tuple[list[str], list[str]]:
    """(lignes à l'intérieur des régions ``BEGIN``/``END`` nommées, autres lignes).

    Les lignes de marqueur elles-mêmes ne sont dans aucune des deux listes ; les marqueurs
    d'une région non demandée sont des lignes comme les autres.
    """
    voulues = {" ".join(r.split()) for r in regions}
    dedans, dehors, ouvert = [], [], False
    for ligne in texte.splitlines():
        marqueur = REGION.search(ligne)
        if marqueur and " ".join(marqueur.group(2).split()) in voulues:
            ouvert = marqueur.group(1) == "BEGIN"
        else:
            (dedans if ouvert else dehors).append(ligne)
    return dedans, dehors


def secrets(caches, publiques) -> list[str]:
    """Lignes de ``caches`` (sans espaces autour) qui trahiraient quelque chose si on les
    retrouvait ailleurs : plus de ``LONGUEUR_MIN_SECRET`` caractères, et absentes du texte
    ``publiques`` (code fourni, tests visibles, énoncé)."""
    texte_public = "\n".join(publiques)
    return sorted({s.strip() for s in caches
                   if len(s.strip()) > LONGUEUR_MIN_SECRET and s.strip() not in texte_public})


def lignes_tests_caches(cellules, *, regions=("HIDDEN TESTS",)) -> list[str]:
    """Lignes secrètes (voir ``secrets``) des régions ``regions`` d'une liste de cellules."""
    caches, publiques = [], []
    for cellule in cellules:
        dedans, dehors = separer_regions(source(cellule), regions=regions)
        caches += dedans
        publiques += dehors
    return secrets(caches, publiques)


def sources_du_code(cellules) -> dict:
    """``{grade_id: source}`` des cellules de code qui ont un ``grade_id`` (dans l'ordre)."""
    return {grade_id(c): source(c) for c in cellules if c.get("cell_type") == "code" and grade_id(c)}
