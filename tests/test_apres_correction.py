"""Après la correction, de bout en bout : une petite classe téléchargée de Moodle.

Quatre remises aux noms de dossiers de « Télécharger tous les travaux remis ». On corrige
une fois, puis l'enseignant ajoute un fichier d'ajustements (avec une ligne invalide) et
une note dans formgrader, relance ; enfin il recorrige un seul étudiant (``--etudiant``).
"""
import csv
import subprocess
import sys
import zipfile

import pytest
from nbgrader.api import Gradebook

from autograder.bareme import bareme
from autograder.chemins import ASSIGNMENT, RACINE
from fabrique import ecrire, remise
from moodle_importateur import importer_moodle

pytestmark = pytest.mark.lent
BAREME = bareme()

CLASSE = {  # dossier Moodle -> (étudiant, remise vierge)
    "Élodie Martin_4021_assignsubmission_file_": ("Élodie Martin", False),
    "Chloé Dubois_4022_assignsubmission_file_": ("Chloé Dubois", True),
    "Léo Petit_4023_assignsubmission_file_": ("Léo Petit", True),
    "Inès Moreau_4024_assignsubmission_file_": ("Inès Moreau", True),
}


#: Identités difficiles (issue #20), notées avec la classe : homonymes, nom de 244 caractères,
#: fichier intérieur au nom trompeur (le participant vient du dossier de premier niveau).
NOM_LONG = "Maëlys " + "Dupont-" * 29 + "Lefèvre"  # dossier Moodle de 244 caractères (248 octets)
IDENTITES = {  # dossier Moodle (fichier intérieur) -> (identifiant attendu, participant)
    "Alice Martin_101_assignsubmission_file_/tp_diffusion.ipynb": ("Alice Martin (101)", "101"),
    "Alice Martin_202_assignsubmission_file_/tp_diffusion.ipynb": ("Alice Martin (202)", "202"),
    f"{NOM_LONG}_303_assignsubmission_file_/tp_diffusion.ipynb": (NOM_LONG, "303"),
    "Zoé Roux_505_assignsubmission_file_/Bob Dupont_404_assignsubmission_file_.ipynb": ("Zoé Roux", "505"),
}


#: Participants de la feuille d'évaluation, lus dans les noms des dossiers Moodle de la classe ;
#: la feuille a en plus 4099, absente de la classe.
PARTICIPANTS_FICHE = {**{e: d.split("_")[1] for d, (e, _) in CLASSE.items()}, **dict(IDENTITES.values())}
FICHE_FR = ('"Identifiant","Nom complet","Adresse de courriel","Statut","Note","Note maximale",'
            '"La note peut être modifiée","Dernière modification (travail remis)","Dernière modification (note)",'
            '"Commentaires de feedback"\r\n'
            + "".join(f'"Participant {p}","{e.split(" (")[0]}","{p}@univ.fr","Remis pour évaluation","","20,00","Oui",'
                      '"lundi 2 juin 2025, 09:12","-",""\r\n' for e, p in PARTICIPANTS_FICHE.items())
            + '"Participant 4099","Inès Morel","ines@univ.fr","Pas de travail remis","","20,00","Oui","-","-",""\r\n')


def _corriger(remises, sortie, *options):
    execution = subprocess.run(
        [sys.executable, "-m", "autograder.correction.classe", str(remises), "--sortie", str(sortie),
         "--processus", "2", "--delai-cellule", "60", *options],
        check=False, cwd=RACINE, capture_output=True, text=True, timeout=1800)
    return execution


def _notes(sortie):
    with open(sortie / "notes.csv", encoding="utf-8", newline="") as fichier:
        return {ligne["student_id"]: ligne for ligne in csv.DictReader(fichier)}


def _carnet(sortie):
    with open(sortie / "cours_correspondance.csv", encoding="utf-8", newline="") as fichier:
        ids = {ligne["student_id"]: ligne["id_nbgrader"] for ligne in csv.DictReader(fichier)}
    return ids, Gradebook(f"sqlite:///{sortie / 'cours' / 'gradebook.db'}", "tp_diffusion")


@pytest.fixture(scope="module")
def classe(tmp_path_factory):
    racine = tmp_path_factory.mktemp("moodle")
    remises, sortie = racine / "remises", racine / "sortie"
    for dossier, (_, vierge) in CLASSE.items():
        ecrire(remise(vierge=vierge), remises / dossier / "tp_diffusion.ipynb")
    for chemin in IDENTITES:
        ecrire(remise(vierge=True), remises / chemin)
    execution = _corriger(remises, sortie)
    assert execution.returncode == 0, execution.stdout + execution.stderr
    return remises, sortie, execution.stdout


def test_premiere_correction_fichier_d_ajustements_zip_et_carnet(classe):
    _, sortie, texte = classe
    assert (sortie / "ajustements.csv").read_text(encoding="utf-8") == "student_id,exercice,points,motif\n"
    notes = _notes(sortie)
    assert set(notes) == {e for e, _ in CLASSE.values()} | {i for i, _ in IDENTITES.values()}
    assert float(notes["Chloé Dubois"]["ex1"]) == 0 and float(notes["Élodie Martin"]["total"]) == 20
    # retours_moodle.zip : un dossier par participant, le retour de l'étudiant dedans
    with zipfile.ZipFile(sortie / "retours_moodle.zip") as archive:
        noms = sorted(archive.namelist())
        assert set(noms) >= {f"{d.removesuffix('_assignsubmission_file_')}_assignfeedback_file/"
                             "retour_tp_diffusion.html" for d in CLASSE}
        assert len(noms) == len(CLASSE) + len(IDENTITES)
        page = archive.read("Léo Petit_4023_assignfeedback_file/retour_tp_diffusion.html")
    assert page == (sortie / "feedback" / "Léo Petit.html").read_bytes()
    total = len(CLASSE) + len(IDENTITES)
    assert f"Retours pour Moodle : {sortie / 'retours_moodle.zip'} ({total} étudiant(s))" in texte
    # un seul carnet nbgrader pour la classe, mêmes notes que notes.csv
    ids, gradebook = _carnet(sortie)
    with gradebook as gb:
        assert {s.id: s.score for s in gb.students} == {ids[e]: float(ligne["total"]) for e, ligne in notes.items()}
        assert gb.find_student(ids["Inès Moreau"]).lms_user_id == "4024"
    for etape in ("submitted", "autograded"):
        assert (sortie / "cours" / etape / ids["Léo Petit"] / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists()
    assert (sortie / "cours" / "feedback" / ids["Léo Petit"] / ASSIGNMENT / f"{ASSIGNMENT}.html").exists()


def test_ajustements_et_note_formgrader_puis_un_seul_etudiant(classe):
    remises, sortie, _ = classe
    avant = _notes(sortie)
    # enregistré par Excel en français : point-virgule, virgule décimale, Windows-1252, CRLF
    ajustements = ("student_id;exercice;points;motif\r\n"
                   "Chloé Dubois;ex1;1,5;beta presque juste : décalage d'indice seulement\r\n"
                   "Chloé Dubois;ex42;1;exercice qui n'existe pas\r\n").encode("cp1252")
    (sortie / "ajustements.csv").write_bytes(ajustements)
    # feuille d'évaluation hors ligne téléchargée du devoir (Moodle en français), avec une absente
    fiche = sortie.parent / "Notes-TP diffusion.csv"
    fiche.write_bytes("\ufeff".encode() + FICHE_FR.encode("utf-8"))
    ids, gradebook = _carnet(sortie)
    with gradebook as gb:  # l'enseignant met 2 points sur 2 à ex2a_verif de Léo dans formgrader
        gb.find_grade("ex2a_verif", ASSIGNMENT, ASSIGNMENT, ids["Léo Petit"]).manual_score = 2.0
        gb.db.commit()

    execution = _corriger(remises, sortie, "--fiche", str(fiche))
    assert execution.returncode == 0, execution.stdout + execution.stderr
    assert f"{len(CLASSE) + len(IDENTITES)} remise(s) déjà notée(s) et inchangée(s), 0 à noter" in execution.stdout
    assert "ajustements.csv, ligne 3 : exercice inconnu « ex42 »" in execution.stdout
    notes = _notes(sortie)
    assert float(notes["Chloé Dubois"]["ex1"]) == 1.5
    assert float(notes["Chloé Dubois"]["total"]) == float(avant["Chloé Dubois"]["total"]) + 1.5
    assert float(notes["Léo Petit"]["ex2"]) == float(avant["Léo Petit"]["ex2"]) + 2
    assert "note saisie dans formgrader" in notes["Léo Petit"]["statut"]
    assert notes["Élodie Martin"] == avant["Élodie Martin"] and notes["Inès Moreau"] == avant["Inès Moreau"]
    with open(sortie / "moodle.csv", encoding="utf-8", newline="") as fichier:
        moodle = {ligne["identifiant"]: ligne for ligne in csv.DictReader(fichier)}
    assert moodle["Chloé Dubois"]["TP diffusion"] == f"{float(notes['Chloé Dubois']['note_sur_20']):.2f}"
    retour = (sortie / "feedback" / "Chloé Dubois.html").read_text(encoding="utf-8")
    assert "beta presque juste : décalage d'indice seulement" in retour
    with zipfile.ZipFile(sortie / "retours_moodle.zip") as archive:
        assert archive.read("Chloé Dubois_4022_assignfeedback_file/retour_tp_diffusion.html").decode() == retour
    assert (sortie / "ajustements.csv").read_bytes() == ajustements
    # la feuille remplie, relue par l'importateur de Moodle : une note par participant, homonymes
    # compris, le commentaire en français ; la ligne de l'absente (4099) reste telle quelle
    ecrite = (sortie / "fiche_notes.csv").read_bytes()
    assert ecrite.split(b"\r\n")[0] == fiche.read_bytes().split(b"\r\n")[0]
    importees = importer_moodle(ecrite, "fr", {int(p): (None, None) for p in [*PARTICIPANTS_FICHE.values(), "4099"]})
    for etudiant, participant in PARTICIPANTS_FICHE.items():
        note, commentaire = importees[int(participant)]
        assert note == float(notes[etudiant]["note_sur_20"]), (etudiant, note)
        assert commentaire.startswith("Note\u00a0: ") and "ok" not in commentaire.split(), commentaire
    assert importees[4099] == (None, "")
    assert "4099" in execution.stdout  # participant de la feuille absent de la classe : dit

    # un identifiant mal tapé : erreur claire, rien ne bouge
    faute = _corriger(remises, sortie, "--etudiant", "Leo Petit")
    assert faute.returncode == 2 and "Étudiant inconnu : « Leo Petit »" in faute.stderr and "Léo Petit" in faute.stderr
    # recorriger Léo seul : son résultat est refait, les autres gardés, ajustements toujours là
    seul = _corriger(remises, sortie, "--etudiant", "Léo Petit")
    assert seul.returncode == 0, seul.stdout + seul.stderr
    assert "Léo Petit : recorrigé à la demande" in seul.stdout
    # les valeurs de référence de cette version, déjà calculées, sont reprises (build/cache/references/)
    assert "Valeurs de référence\u00a0: déjà calculées pour cette version" in seul.stdout, seul.stdout
    assert f"{len(CLASSE) + len(IDENTITES) - 1} remise(s) déjà notée(s) et inchangée(s), 1 à noter" in seul.stdout
    assert _notes(sortie) == notes
    with _carnet(sortie)[1] as gb:
        assert gb.find_grade("ex2a_verif", ASSIGNMENT, ASSIGNMENT, ids["Léo Petit"]).manual_score == 2.0
        # une seule vérité : le carnet (formgrader, nbgrader export) a les notes ajustées de notes.csv
        assert {s.id: s.score for s in gb.students} == {ids[e]: float(ligne["total"]) for e, ligne in notes.items()}


def test_identites_moodle_une_ligne_par_participant(classe):
    """Homonymes séparés, nom de 244 caractères noté (retour au nom raccourci sur le disque,
    nom entier dans notes.csv), fichier intérieur trompeur sans effet ; zip sans collision."""
    _, sortie, _ = classe
    assert len(f"{NOM_LONG}_303_assignsubmission_file_".encode()) > 240
    notes = _notes(sortie)
    for identifiant, _ in IDENTITES.values():
        assert identifiant in notes, sorted(notes)
    assert "Bob Dupont" not in notes
    retours = {p.name for p in (sortie / "feedback").glob("*.html")}
    assert len(retours) == len(notes) and all(len(n.encode()) <= 120 for n in retours)
    with zipfile.ZipFile(sortie / "retours_moodle.zip") as archive:
        noms = archive.namelist()
    assert len(noms) == len(set(noms))
    participants = {nom.split("/")[0].split("_")[1] for nom in noms}
    assert {p for _, p in IDENTITES.values()} <= participants and "404" not in participants
