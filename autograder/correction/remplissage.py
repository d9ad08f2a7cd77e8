"""Remplir le notebook étudiant comme le ferait un étudiant (démonstration et tests).

On part du notebook étudiant généré et on remplit ses ``...``, ligne par ligne, avec les
réponses du maître ; une « erreur » remplace une de ces réponses par une autre ligne. Les
remises fabriquées restent ainsi synchronisées avec le TP. (Déplacé de ``tests/fabrique.py``,
qui le réexporte, pour que ``make demo`` n'importe rien de ``tests/``.)
"""
import json
import re
from pathlib import Path

from autograder.chemins import NOTEBOOK_ETUDIANT, NOTEBOOK_MAITRE
from autograder.preprocessors import MARQUEUR_SOLUTION, ligne_trou

#: Une ligne à trou du notebook étudiant : ``cible = ...`` ou ``for t in ... :``.
TROU = re.compile(r"^\s*(for .+ in \.\.\. :|[\w.\[\]\-]+ = \.\.\.)$")


def source(cellule: dict) -> str:
    """Source d'une cellule JSON (chaîne ou liste de lignes)."""
    return cellule["source"] if isinstance(cellule["source"], str) else "".join(cellule["source"])


def grade_id(cellule: dict):
    """``grade_id`` nbgrader de la cellule, ou ``None``."""
    return cellule.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def reponses_du_maitre(maitre: Path = NOTEBOOK_MAITRE) -> dict:
    """grade_id -> liste des lignes de solution (marqueur retiré), dans l'ordre."""
    nb = json.loads(Path(maitre).read_text(encoding="utf-8"))
    return {
        grade_id(c): [MARQUEUR_SOLUTION.sub("", l) for l in source(c).splitlines() if MARQUEUR_SOLUTION.search(l)]
        for c in nb["cells"] if c["cell_type"] == "code"
    }


def notebook_etudiant(chemin: Path = NOTEBOOK_ETUDIANT) -> dict:
    """Le notebook étudiant (dict JSON), tel que distribué."""
    return json.loads(Path(chemin).read_text(encoding="utf-8"))


def remise(erreurs: dict | None = None, vierge: bool = False) -> dict:
    """Notebook étudiant rempli (dict JSON).

    ``erreurs`` : {grade_id: {indice_du_trou: "ligne complète"}} ; les indices comptent les
    ``...`` de la cellule à partir de 0, dans l'ordre. Sans erreur : les réponses du maître.
    """
    erreurs = erreurs or {}
    nb = notebook_etudiant()
    if vierge:
        return nb
    reponses = reponses_du_maitre()
    for cellule in nb["cells"]:
        gid = grade_id(cellule)
        if cellule["cell_type"] != "code" or gid not in reponses or not reponses[gid]:
            continue
        lignes, k = [], 0
        for ligne in source(cellule).splitlines():
            if TROU.match(ligne):
                attendu = ligne_trou(reponses[gid][k] + "  # SOLUTION")
                if attendu != ligne:
                    raise ValueError(f"{gid} : le trou n° {k} du notebook étudiant ({ligne!r}) ne correspond "
                                     f"pas au maître ({attendu!r}) : lancez « make student ».")
                ligne = erreurs.get(gid, {}).get(k, reponses[gid][k])
                k += 1
            lignes.append(ligne)
        if k != len(reponses[gid]):
            raise ValueError(f"{gid} : {k} trous dans le notebook étudiant, {len(reponses[gid])} dans le maître.")
        cellule["source"] = "\n".join(lignes)
    return nb


def ecrire(nb: dict, chemin: Path) -> Path:
    """Écrit le notebook ``nb`` dans ``chemin`` (dossiers créés au besoin)."""
    chemin = Path(chemin)
    chemin.parent.mkdir(parents=True, exist_ok=True)
    chemin.write_text(json.dumps(nb, ensure_ascii=False, indent=1), encoding="utf-8")
    return chemin
