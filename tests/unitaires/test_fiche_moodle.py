"""Feuille d'évaluation hors ligne de Moodle remplie (``fiche_moodle.py``), relue par l'importateur de Moodle.

L'importateur est réécrit ici d'après mod/assign/feedback/offline/importgradeslib.php et
locallib.php (``process_import_grades``) de Moodle 4.x, comme le zip l'est dans
test_ajustements.py : colonnes trouvées par leur intitulé dans la langue de l'enseignant,
identifiant « Participant <n> » dont on retire le préfixe ``hiddenuser``, note lue par
``unformat_float`` avec le séparateur décimal de la langue, date lue par ``strtotime``,
fichier refusé sans les trois colonnes. Feuilles faites à la main (millisecondes).
"""
import csv
import io
from datetime import datetime, timedelta, timezone

import pytest

from autograder.bareme import bareme
from autograder.correction.sorties.fiche_moodle import FicheInvalide, main, participants_de_la_sortie, remplir
from moodle_importateur import importer_moodle

BAREME = bareme()
MAINTENANT = datetime(2025, 6, 2, 14, 30, tzinfo=timezone(timedelta(hours=2)))

def _ligne(etudiant, note_sur_20, statut="ok", **points):
    return {"student_id": etudiant, **{ex: points.get(ex, m) for ex, m in BAREME.items()},
            "note_sur_20": note_sur_20, "statut": statut}


CLASSE = [_ligne("Élodie Martin", 20.0), _ligne("Chloé Dubois", 19.5, ex2=2.5),
          _ligne("Léo Petit", 16.0, "2 remises trouvées : la plus récente est notée", ex5=0.0),
          _ligne("Sans Moodle", 12.0, ex1=0.0, ex2=0.0, ex3=0.0, ex4=0.0)]
PARTICIPANTS = {"Élodie Martin": "4021", "Chloé Dubois": "4022", "Léo Petit": "4023"}

FICHE_FR = (
    '"Identifiant","Nom complet","Adresse de courriel","Statut","Note","Note maximale",'
    '"La note peut être modifiée","Dernière modification (travail remis)","Dernière modification (note)",'
    '"Commentaires de feedback"\r\n'
    '"Participant 4021","Élodie Martin","elodie@univ.fr","Remis pour évaluation","","20,00","Oui",'
    '"lundi 2 juin 2025, 09:12","-",""\r\n'
    '"Participant 4022","Chloé Dubois","chloe@univ.fr","Remis pour évaluation","","20,00","Oui",'
    '"lundi 2 juin 2025, 09:40","-",""\r\n'
    '"Participant 4099","Inès Moreau","ines@univ.fr","Pas de travail remis","8,50","20,00","Oui","-",'
    '"vendredi 30 mai 2025, 18:02","Rendu en retard, vu en séance"\r\n')

FICHE_EN = (
    "Identifier,Full name,Email address,Status,Grade,Maximum grade,Grade can be changed,"
    "Last modified (submission),Last modified (grade),Feedback comments\n"
    "Participant 4021,Élodie Martin,elodie@univ.fr,Submitted for grading,,100.00,Yes,"
    '"Monday, 2 June 2025, 9:12 AM",-,\n'
    "Participant 4023,Léo Petit,leo@univ.fr,Submitted for grading,50.00,100.00,No,"
    '"Monday, 2 June 2025, 9:50 AM","Friday, 30 May 2025, 6:02 PM",old comment\n'
    "Participant 4099,Inès Moreau,ines@univ.fr,No submission,,100.00,Yes,-,-,\n")


def _remplir(tmp_path, contenu: bytes, **options):
    fiche = tmp_path / "feuille.csv"
    fiche.write_bytes(contenu)
    resultat = remplir(fiche=fiche, lignes=options.get("lignes", CLASSE), participants=PARTICIPANTS,
                       sortie=tmp_path / "out", maintenant=MAINTENANT)
    return resultat, resultat.chemin.read_bytes()


def test_feuille_francaise_remplie_et_importee_par_moodle(tmp_path):
    contenu = "\ufeff".encode() + FICHE_FR.encode("utf-8")
    resultat, ecrit = _remplir(tmp_path, contenu)
    assert resultat.chemin == tmp_path / "out" / "fiche_notes.csv" and resultat.langue == "fr"
    # même fichier : BOM, en-tête, fins de ligne, guillemets, ligne de l'absente, à l'octet près
    assert ecrit.startswith(contenu.split(b"\r\n")[0] + b"\r\n")
    assert ecrit.split(b"\r\n")[3] == contenu.split(b"\r\n")[3]
    assert ecrit.count(b"\r\n") == contenu.count(b"\r\n") and b"\n" not in ecrit.replace(b"\r\n", b"")
    # Moodle importe : note (virgule décimale, comme la feuille), commentaire français, rien pour 4099
    avant = int((MAINTENANT - timedelta(days=30)).timestamp())
    moodle = {4021: (None, None), 4022: (15.0, avant), 4099: (8.5, avant)}
    importees = importer_moodle(ecrit, "fr", moodle)
    assert importees[4021][0] == 20.0 and importees[4022][0] == 19.5
    # la ligne de 4099, intacte, a sa date en français, illisible pour strtotime : Moodle garde tout
    assert importees[4099] == (8.5, None)
    commentaire = importees[4022][1]
    assert commentaire.startswith("Note\u00a0: 19,5/20. Points par exercice\u00a0: ex1 2/2, ex2 2,5/3,")
    assert "ok" not in commentaire.split() and "retour_tp_diffusion.html" in commentaire
    assert [(r.participant, r.etudiant, r.note) for r in resultat.remplis] == [
        ("4021", "Élodie Martin", "20,00"), ("4022", "Chloé Dubois", "19,50")]
    assert resultat.absents_de_la_classe == ["4099"]
    assert resultat.hors_fiche == ["Léo Petit"] and resultat.sans_participant == ["Sans Moodle"]
    message = resultat.message()
    assert "4099" in message and "Sans Moodle" in message and "Léo Petit" in message


def test_feuille_anglaise_point_decimal_maximum_100_et_note_verrouillee(tmp_path):
    resultat, ecrit = _remplir(tmp_path, FICHE_EN.encode("utf-8"))
    assert resultat.langue == "en" and not ecrit.startswith(b"\xef\xbb\xbf")
    assert ecrit.split(b"\n")[0] == FICHE_EN.encode().split(b"\n")[0] and b"\r" not in ecrit
    avant = int(datetime(2025, 5, 30, 18, 2).timestamp())
    importees = importer_moodle(ecrit, "en", {4021: (None, None), 4023: (50.0, avant), 4099: (None, None)},
                                maximum=100.0)
    assert importees[4021][0] == 100.0 and importees[4023][0] == 80.0  # 16/20 -> 80/100
    assert importees[4023][1].startswith("Note\u00a0: 16/20.") and "2 remises trouvées" in importees[4023][1]
    assert importees[4099] == (None, "")  # ligne laissée telle quelle
    assert [r.note for r in resultat.remplis] == ["100.00", "80.00"]
    assert resultat.verrouilles == ["Léo Petit"] and resultat.absents_de_la_classe == ["4099"]
    assert resultat.hors_fiche == ["Chloé Dubois"]


def test_sans_la_date_de_modification_moodle_garderait_sa_note():
    """Pourquoi on écrit la date : une note de Moodle plus récente que la feuille n'est pas remplacée."""
    fiche = FICHE_FR.replace('"","20,00","Oui","lundi 2 juin 2025, 09:40","-"',
                             '"19,50","20,00","Oui","lundi 2 juin 2025, 09:40","-"').encode()
    recente = int(MAINTENANT.timestamp())
    assert importer_moodle(fiche, "fr", {4022: (15.0, recente)})[4022] == (15.0, None)


def test_feuille_enregistree_par_excel_point_virgule_windows_1252(tmp_path):
    excel = FICHE_FR.replace('","', ";").replace('"', "").replace(";;", ";;")
    contenu = excel.encode("cp1252")
    resultat, ecrit = _remplir(tmp_path, contenu)
    assert (resultat.separateur, resultat.encodage) == (";", "CP1252")
    ecrit.decode("cp1252")
    importees = importer_moodle(ecrit, "fr", {4021: (None, None), 4022: (None, None)}, separateur=";",
                                encodage="cp1252")
    assert importees[4022][0] == 19.5 and "\u202f" not in importees[4022][1]
    assert ecrit.split(b"\r\n")[0] == contenu.split(b"\r\n")[0]


def test_une_feuille_sans_les_trois_colonnes_est_refusee_comme_par_moodle(tmp_path):
    for contenu in ("identifiant,TP diffusion,commentaire\nÉlodie Martin,20.00,ok\n",  # moodle.csv
                    "Identifiant,Nom complet,Note\nParticipant 4021,Élodie Martin,\n"):
        assert importer_moodle(contenu.encode(), "fr", {4021: (None, None)}) is None
        with pytest.raises(FicheInvalide, match="Identifiant.*Note.*Dernière modification"):
            _remplir(tmp_path, contenu.encode())
    assert not (tmp_path / "out" / "fiche_notes.csv").exists()


def test_commentaire_sans_formule_de_tableur(tmp_path):
    lignes = [_ligne("Élodie Martin", 20.0, "remise renommée ;=HYPERLINK(x)")]
    _, ecrit = _remplir(tmp_path, FICHE_FR.encode(), lignes=lignes)
    for separateur in (",", ";"):
        for ligne in csv.reader(io.StringIO(ecrit.decode(), newline=""), delimiter=separateur):
            assert not any(c.lstrip()[:1] in ("=", "+", "@") for c in ligne), ligne


def test_ligne_de_commande_depuis_les_etats_d_une_correction(tmp_path, capsys):
    import json

    sortie = tmp_path / "OUT"
    (sortie / "etat").mkdir(parents=True)
    etats = {"Élodie Martin": "r/Élodie Martin_4021_assignsubmission_file_/tp.ipynb",
             # un fichier au nom d'un autre participant, rangé dans le dossier de Chloé : c'est Chloé
             "Chloé Dubois": "r/Chloé Dubois_4022_assignsubmission_file_/Inès Moreau_4099_assignsubmission_file_.ipynb",
             "Sans Moodle": "r/Sans Moodle/Inès Moreau_4099_assignsubmission_file_.ipynb"}
    for i, (etudiant, fichier) in enumerate(etats.items()):
        (sortie / "etat" / f"e{i}.json").write_text(json.dumps({"etudiant": etudiant, "fichier": fichier}),
                                                   encoding="utf-8")
    assert participants_de_la_sortie(sortie / "etat") == {"Élodie Martin": "4021", "Chloé Dubois": "4022"}
    with open(sortie / "notes.csv", "w", encoding="utf-8", newline="") as fichier:
        ecrivain = csv.DictWriter(fichier, fieldnames=list(CLASSE[0]))
        ecrivain.writeheader()
        ecrivain.writerows(ligne for ligne in CLASSE if ligne["student_id"] in etats)
    (tmp_path / "feuille.csv").write_text(FICHE_FR, encoding="utf-8")
    assert main(["--fiche", str(tmp_path / "feuille.csv"), "--notes", str(sortie / "notes.csv")]) == 0
    assert "2 note(s) remplie(s)" in capsys.readouterr().out
    importees = importer_moodle((sortie / "fiche_notes.csv").read_bytes(), "fr", {4021: (None, None),
                                                                                 4022: (None, None),
                                                                                 4099: (None, None)})
    assert (importees[4021][0], importees[4022][0], importees[4099][0]) == (20.0, 19.5, 8.5)
    assert main(["--fiche", str(tmp_path / "absente.csv"), "--notes", str(sortie / "notes.csv")]) == 2
    assert "Télécharger le formulaire d'évaluation" in capsys.readouterr().err
