"""Petits notebooks construits à la main pour les tests unitaires (comme ceux de nbgrader)."""
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def meta(grade_id, *, solution=False, grade=False, locked=False, points=None):
    nbgrader = {"grade_id": grade_id, "solution": solution, "grade": grade, "locked": locked,
                "schema_version": 3}
    if points is not None:
        nbgrader["points"] = points
    return {"nbgrader": nbgrader}


def code(texte, **kwargs):
    return new_code_cell(texte, metadata=meta(**kwargs) if kwargs else {})


def texte(contenu, **kwargs):
    return new_markdown_cell(contenu, metadata=meta(**kwargs) if kwargs else {})


def notebook(*cellules):
    return new_notebook(cells=list(cellules), metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                      "language": "python"}})
