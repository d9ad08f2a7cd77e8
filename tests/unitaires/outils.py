"""Petits notebooks construits à la main pour les tests unitaires (comme ceux de nbgrader)."""
from types import SimpleNamespace

from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.correction.execution.carnet_execution import RELEVE_NOYAU


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


def noyau(tmp_path, espace):
    """Le code de ``releve_noyau.py`` installé dans ``espace``, comme dans le noyau de l'étudiant."""
    module = {"get_ipython": lambda: SimpleNamespace(user_ns=espace)}
    exec(compile(RELEVE_NOYAU.read_text(encoding="utf-8"), "releve_noyau", "exec"), module)
    module["_tp_installer_releve"](str(tmp_path / "releves"), str(tmp_path / "entrees"))
    return espace
