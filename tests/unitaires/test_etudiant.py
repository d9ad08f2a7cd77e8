"""Génération du notebook étudiant : ce qui doit échouer échoue, avec un message clair."""
import json

import pytest
from outils import code, notebook

from autograder.distribution import etudiant


def test_ligne_de_solution_qu_on_ne_sait_pas_trouer(tmp_path):
    """Le seul test de la voie rapide qui lance nbgrader (``generate_assignment``, ~2 s)."""
    maitre = tmp_path / "maitre.ipynb"
    maitre.write_text(json.dumps(notebook(code("return x  # SOLUTION", grade_id="ex1_reponse", solution=True))))
    with pytest.raises(RuntimeError, match="generate_assignment a échoué(.|\n)*ni une affectation ni un en-tête"):
        etudiant.generer(tmp_path / "etudiant.ipynb", maitre=maitre)
    assert not (tmp_path / "etudiant.ipynb").exists()  # rien d'écrit à moitié


@pytest.fixture
def committe(tmp_path, monkeypatch):
    """Notebook étudiant « committé » dans tmp_path ; la génération écrit toujours ``{"cells": []}``."""
    chemin = tmp_path / "notebooks" / "tp_diffusion.ipynb"
    chemin.parent.mkdir()

    def generer(destination):
        destination.write_text('{"cells": []}', encoding="utf-8")
        return destination

    monkeypatch.setattr(etudiant, "NOTEBOOK_ETUDIANT", chemin)
    monkeypatch.setattr(etudiant, "generer", generer)
    return chemin


def test_verifier_echoue_si_le_notebook_committe_n_est_pas_a_jour(committe, capsys):
    committe.write_text('{"cells": [1]}', encoding="utf-8")
    assert etudiant.main(["--verifier"]) == 1
    assert "n'est pas à jour : lancez « make student »" in capsys.readouterr().err
    assert committe.read_text(encoding="utf-8") == '{"cells": [1]}'  # vérifier n'écrit rien


def test_verifier_reussit_si_le_notebook_committe_est_a_jour(committe, capsys):
    committe.write_text('{"cells": []}', encoding="utf-8")
    assert etudiant.main(["--verifier"]) == 0
    assert "est à jour" in capsys.readouterr().out
