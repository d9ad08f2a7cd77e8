"""Les avertissements de TensorFlow/Keras sur stderr ne coûtent jamais de points.

nbgrader donne 0 à toute cellule de test qui écrit sur stderr. On note un petit notebook
dont la cellule de test déclenche de vrais avertissements de TensorFlow, de Keras et de
Python, avec la configuration du dépôt (nbgrader seul, sans ``autograder.correction.remise`` :
dossier du noyau et paramètres par défaut) : la cellule de test s'exécute dans le juge, qui ne
rend que sa sortie standard et son exception ; elle a tous ses points, même sans le filtre
(IgnorePattern désactivé), qui reste pour les sorties des autres cellules.
"""

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI

from autograder.cellules import meta_nbgrader
from autograder.cours import configuration

pytestmark = pytest.mark.lent

CELLULE_BRUYANTE = """
import warnings
warnings.simplefilter("always")
import tensorflow as tf
import keras
tf.keras.layers.Dense(2, input_shape=(3,))  # UserWarning de tf.keras (Keras 3) sur stderr
warnings.warn("API obsolète", DeprecationWarning)
assert 1 + 1 == 2
"""


def _noter(tmp_path, **reglages):
    source = tmp_path / "source" / "bruit"
    source.mkdir(parents=True)
    meta = {"nbgrader": {"grade": True, "grade_id": "ex1_verif", "locked": True, "points": 1,
                         "schema_version": 3, "solution": False, "task": False}}
    nb = new_notebook(cells=[new_code_cell(CELLULE_BRUYANTE, metadata=meta)])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, source / "bruit.ipynb")
    api = NbGraderAPI(config=configuration(tmp_path, **reglages))
    assert api.generate_assignment("bruit", force=True, create=True)["success"]
    remis = tmp_path / "submitted" / "eleve" / "bruit"
    remis.mkdir(parents=True)
    (remis / "bruit.ipynb").write_bytes((tmp_path / "release" / "bruit" / "bruit.ipynb").read_bytes())
    assert api.autograde("bruit", "eleve", force=True, create=True)["success"]
    corrige = nbformat.read(tmp_path / "autograded" / "eleve" / "bruit" / "bruit.ipynb", as_version=4)
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}", "tp_diffusion") as gb:
        score = gb.find_submission_notebook("bruit", "bruit", "eleve").grades[0].score
    cellule = next(c for c in corrige.cells if meta_nbgrader(c).get("grade"))
    return score, cellule.outputs


def test_les_avertissements_sont_ignores(tmp_path):
    score, sorties = _noter(tmp_path)
    assert score == 1
    assert not any(s.get("name") == "stderr" for s in sorties)


def test_meme_sans_le_filtre_le_juge_ne_change_pas_stderr_en_zero(tmp_path):
    score, sorties = _noter(tmp_path, IgnorePattern={"enabled": False})
    assert score == 1
    assert not [s for s in sorties if s.get("name") == "stderr"]
