"""Le carnet nbgrader de la classe (``OUT/cours/gradebook.db``), vérifié avec l'API de nbgrader.

Sans exécuter de notebook : les carnets des remises sont faits avec l'API ``Gradebook``,
comme nbgrader autograde les remplit (une note automatique par cellule de vérification).
"""
import shutil

import pytest
from nbgrader.api import Gradebook

from autograder.bareme import cellules_notees
from autograder.chemins import ASSIGNMENT
from autograder.correction.sorties.carnet import CarnetDeClasse, correspondance
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
        assert (gb.find_student("leo_petit").first_name, gb.find_student("leo_petit").last_name) == ("Léo", "Petit")
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


def test_ajustements_et_commentaires_reportes_dans_le_carnet(tmp_path, gabarit):
    """Une seule vérité : après finaliser, le carnet (formgrader, nbgrader export) donne les notes de
    notes.csv, ajustements compris ; prénom et nom à part ; une ligne retirée d'ajustements.csv
    est retirée du carnet, une note saisie dans formgrader reste la sienne."""
    from autograder.correction.sorties.finalisation import finaliser
    from autograder.correction.sorties.notes import ligne_de_note

    maxima = dict(cellules_notees())
    etats = [
        _remise_notee(tmp_path, gabarit, "Camille Durand", "e1", {**maxima, "ex2a_verif": 0.0}),
        _remise_notee(tmp_path, gabarit, "Léa Bernard", "e2", maxima),
    ]
    etats[0].update(participant="4021", nom_complet="Camille Durand")
    (tmp_path / "ajustements.csv").write_text(
        "student_id;exercice;points;motif\n"
        "Camille Durand;ex2;2,5;alpha juste, alpha_barre décalé d'un indice\n"
        "Léa Bernard;ex9;;Belle figure.\n", encoding="utf-8")
    dits = []
    lignes = {lg["student_id"]: lg for lg in finaliser(sortie=tmp_path, etats=etats, ligne_de_note=ligne_de_note,
                                                       dire=dits.append).lignes}
    base = f"sqlite:///{tmp_path / 'cours' / 'gradebook.db'}"
    with Gradebook(base) as gb:
        camille = gb.find_student("camille_durand")
        assert (camille.first_name, camille.last_name, camille.lms_user_id) == ("Camille", "Durand", "4021")
        assert camille.score == lignes["Camille Durand"]["total"] == 19.5, dits
        assert gb.find_grade("ex2a_verif", ASSIGNMENT, ASSIGNMENT, "camille_durand").manual_score == 2.0
        assert gb.find_grade("ex2b_verif", ASSIGNMENT, ASSIGNMENT, "camille_durand").manual_score == 0.5
        motif = gb.find_comment("ex2_reponse", ASSIGNMENT, ASSIGNMENT, "camille_durand").manual_comment
        assert "2,5 point(s)" in motif and "décalé d'un indice" in motif
        assert gb.find_comment("ex9_reponse", ASSIGNMENT, ASSIGNMENT, "lea_bernard").manual_comment == "Belle figure."
        assert gb.find_student("lea_bernard").score == lignes["Léa Bernard"]["total"] == 20.0
        # formgrader : une note saisie à la main pour Léa
        gb.find_grade("ex1_verif", ASSIGNMENT, ASSIGNMENT, "lea_bernard").manual_score = 1.0
        gb.db.commit()
    # la relance ne prend pas l'ajustement reporté pour une note de formgrader ; la ligne retirée s'en va
    (tmp_path / "ajustements.csv").write_text("student_id,exercice,points,motif\n", encoding="utf-8")
    lignes = {lg["student_id"]: lg for lg in finaliser(sortie=tmp_path, etats=etats, ligne_de_note=ligne_de_note,
                                                       dire=dits.append).lignes}
    assert lignes["Camille Durand"]["total"] == 18.0 and lignes["Léa Bernard"]["total"] == 19.0
    with Gradebook(base) as gb:
        assert gb.find_student("camille_durand").score == 18.0
        assert gb.find_grade("ex2a_verif", ASSIGNMENT, ASSIGNMENT, "camille_durand").manual_score is None
        assert gb.find_comment("ex2_reponse", ASSIGNMENT, ASSIGNMENT, "camille_durand").manual_comment is None
        assert gb.find_student("lea_bernard").score == 19.0
        assert gb.find_grade("ex1_verif", ASSIGNMENT, ASSIGNMENT, "lea_bernard").manual_score == 1.0
