"""Le carnet nbgrader de la classe (``OUT/cours/gradebook.db``), vérifié avec l'API de nbgrader.

Sans exécuter de notebook : les carnets des remises sont faits avec l'API ``Gradebook``,
comme nbgrader autograde les remplit (une note automatique par cellule de vérification).
"""
import shutil

import pytest
from nbgrader.api import Gradebook

from autograder.bareme import cellules_notees
from autograder.chemins import ASSIGNMENT
from autograder.correction.carnet import CarnetDeClasse, correspondance
from autograder.cours import preparer_cours


@pytest.fixture(scope="module")
def gabarit(tmp_path_factory):
    racine = tmp_path_factory.mktemp("gabarit")
    preparer_cours(racine)
    return racine


def _remise_notee(sortie, gabarit, etudiant, id_interne, scores):
    """Dossier de cours d'une remise (OUT/cours/travail/<id>) avec son carnet rempli."""
    travail = sortie / "cours" / "travail" / id_interne
    travail.mkdir(parents=True)
    shutil.copyfile(gabarit / "gradebook.db", travail / "gradebook.db")
    for etape in ("submitted", "autograded", "feedback"):
        dossier = travail / etape / id_interne / ASSIGNMENT
        dossier.mkdir(parents=True)
        (dossier / f"{ASSIGNMENT}.{'html' if etape == 'feedback' else 'ipynb'}").write_text(etape, encoding="utf-8")
    with Gradebook(f"sqlite:///{travail / 'gradebook.db'}") as gb:
        gb.add_student(id_interne)
        gb.add_submission(ASSIGNMENT, id_interne)
        for nom, score in scores.items():
            grade = gb.find_grade(nom, ASSIGNMENT, ASSIGNMENT, id_interne)
            grade.auto_score = score
        gb.db.commit()
    return {"etudiant": etudiant, "fichier": f"r/{etudiant}_31{len(id_interne)}_assignsubmission_file_/tp.ipynb",
            "resultat": {"id_interne": id_interne, "scores": scores}, "remarques": []}


def test_carnet_de_classe_notes_fichiers_et_notes_manuelles(tmp_path, gabarit):
    maxima = dict(cellules_notees())
    etats = [
        _remise_notee(tmp_path, gabarit, "Élodie Martin", "e1", maxima),
        _remise_notee(tmp_path, gabarit, "Léo Petit", "e22", {**maxima, "ex2a_verif": 0.0}),
        {"etudiant": "illisible", "fichier": "r/illisible.ipynb", "resultat": {"scores": {}}, "remarques": []},
    ]
    ids = correspondance(tmp_path / "cours_correspondance.csv", [e["etudiant"] for e in etats])
    carnet = CarnetDeClasse(tmp_path / "cours", tmp_path / "archives")
    carnet.preparer()
    carnet.synchroniser(etats, ids, {"Élodie Martin": "312"})
    attendu = {"elodie_martin": 20.0, "leo_petit": 18.0, "illisible": 0.0}
    with Gradebook(f"sqlite:///{tmp_path / 'cours' / 'gradebook.db'}") as gb:
        assert {s.id: s.score for s in gb.students} == attendu
        assert gb.find_student("elodie_martin").lms_user_id == "312"
        assert gb.find_student("leo_petit").last_name == "Léo Petit"
        gb.find_grade("ex2a_verif", ASSIGNMENT, ASSIGNMENT, "leo_petit").manual_score = 1.5
        gb.db.commit()
    for etape, extension in (("submitted", "ipynb"), ("autograded", "ipynb"), ("feedback", "html")):
        fichier = tmp_path / "cours" / etape / "leo_petit" / ASSIGNMENT / f"{ASSIGNMENT}.{extension}"
        assert fichier.read_text() == etape
    # une nouvelle synchronisation (notes automatiques inchangées) garde la note manuelle
    carnet.preparer()
    carnet.synchroniser(etats, ids, {})
    assert carnet.scores_manuels(ids) == {"Léo Petit": {"ex2a_verif": 1.5}}
    with Gradebook(f"sqlite:///{tmp_path / 'cours' / 'gradebook.db'}") as gb:
        assert gb.find_student("leo_petit").score == 19.5
        assert len(gb.students) == 3
