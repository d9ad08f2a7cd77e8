"""Barème du TP, lu dans le notebook maître (seule source de vérité).

Chaque cellule de vérification notée a un ``grade_id`` de la forme ``ex<N>[a-z]_verif`` :
l'exercice N reçoit la somme des points de ses parties (``ex2a_verif`` + ``ex2b_verif``).
"""
import json
import re
from collections import OrderedDict
from functools import lru_cache

from autograder.cellules import meta_nbgrader
from autograder.chemins import NOTEBOOK_MAITRE

_GRADE_ID = re.compile(r"^ex(?P<numero>\d+)[a-z]?_verif$")


def exercice_de(grade_id):
    """``"ex2b_verif"`` -> ``"ex2"`` ; ``None`` pour une cellule hors barème."""
    correspondance = _GRADE_ID.match(grade_id or "")
    return f"ex{correspondance['numero']}" if correspondance else None


@lru_cache(maxsize=None)
def cellules_notees(maitre=NOTEBOOK_MAITRE):
    """``OrderedDict`` grade_id -> points des cellules de vérification, dans l'ordre du notebook."""
    nb = json.loads(maitre.read_text(encoding="utf-8"))
    cellules = OrderedDict()
    for cellule in nb["cells"]:
        meta = meta_nbgrader(cellule)
        if meta.get("grade") and not meta.get("solution"):
            if exercice_de(meta["grade_id"]) is None:
                raise ValueError(f"grade_id hors convention ex<N>[a-z]_verif : {meta['grade_id']}")
            cellules[meta["grade_id"]] = float(meta["points"])
    return cellules


def bareme(maitre=NOTEBOOK_MAITRE):
    """``OrderedDict`` exercice -> points maximum (``{"ex1": 2.0, "ex2": 3.0, ...}``)."""
    points = OrderedDict()
    for grade_id, maximum in cellules_notees(maitre).items():
        exercice = exercice_de(grade_id)
        points[exercice] = points.get(exercice, 0.0) + maximum
    return points


def points_par_exercice(scores_cellules, maitre=NOTEBOOK_MAITRE):
    """Somme, par exercice, des points obtenus aux cellules (absentes : 0)."""
    points = OrderedDict((exercice, 0.0) for exercice in bareme(maitre))
    for grade_id in cellules_notees(maitre):
        points[exercice_de(grade_id)] += float(scores_cellules.get(grade_id) or 0.0)
    return points
