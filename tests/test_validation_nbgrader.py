"""nbgrader valide le maître (tous les tests passent) et rejette le notebook étudiant vierge."""
import json

import pytest
from nbgrader.validator import Validator

from autograder.cellules import meta_nbgrader
from autograder.chemins import NOTEBOOK_ETUDIANT, NOTEBOOK_MAITRE
from autograder.cours import configuration

pytestmark = pytest.mark.lent


def cellules_de_test(chemin):
    nb = json.loads(chemin.read_text(encoding="utf-8"))
    return [c["metadata"]["nbgrader"]["grade_id"] for c in nb["cells"]
            if meta_nbgrader(c).get("grade")]


def valider(chemin, tmp_path):
    # startup_timeout : le démarrage du noyau importe TensorFlow, plus de 60 s sur une machine chargée.
    validateur = Validator(config=configuration(tmp_path, Execute={"timeout": 300, "startup_timeout": 300}))
    return validateur.validate(str(chemin))


def test_le_maitre_passe_toutes_les_verifications(tmp_path):
    resultats = valider(NOTEBOOK_MAITRE, tmp_path)
    assert "failed" not in resultats and "changed" not in resultats, resultats
    assert len(cellules_de_test(NOTEBOOK_MAITRE)) == 11


def test_le_notebook_vierge_echoue_a_chaque_verification(tmp_path):
    resultats = valider(NOTEBOOK_ETUDIANT, tmp_path)
    echecs = resultats.get("failed", [])
    sources = [e["source"] for e in echecs]
    attendus = cellules_de_test(NOTEBOOK_ETUDIANT)
    assert len(echecs) == len(attendus) == 11, sources
