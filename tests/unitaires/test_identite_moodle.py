"""Un étudiant par participant Moodle : numéro lu dans l'entrée de premier niveau seulement.

Dossiers de remises et états faits à la main (millisecondes) : homonymes, fichier au nom
d'un autre participant rangé dans un dossier, nom très long, même numéro deux fois.
"""
import zipfile

from autograder.correction.lecture.remises import decouvrir, nom_de_fichier
from autograder.correction.sorties.retours_moodle import ecrire_zip, participant_de_etat, participant_moodle


def ecrire(chemin):
    chemin.parent.mkdir(parents=True, exist_ok=True)
    chemin.write_text("{}", encoding="utf-8")
    return chemin


def test_homonymes_restent_deux_etudiants_avec_leur_numero(tmp_path):
    ecrire(tmp_path / "Alice Martin_101_assignsubmission_file_" / "tp_diffusion.ipynb")
    ecrire(tmp_path / "Alice Martin_202_assignsubmission_file_" / "tp_diffusion.ipynb")
    ecrire(tmp_path / "Bob Dupont_303_assignsubmission_file_" / "tp_diffusion.ipynb")
    soumissions, _ = decouvrir(tmp_path)
    assert [(s.etudiant, s.participant, s.nom_complet) for s in soumissions] == [
        ("Alice Martin (101)", "101", "Alice Martin"), ("Alice Martin (202)", "202", "Alice Martin"),
        ("Bob Dupont", "303", "Bob Dupont")]
    assert len({s.id_interne for s in soumissions}) == 3 and not any(s.remarques for s in soumissions)


def test_le_numero_vient_du_dossier_jamais_d_un_fichier_range_dedans(tmp_path):
    ecrire(tmp_path / "Zoé Martin_303_assignsubmission_file_" / "Bob Dupont_404_assignsubmission_file_.ipynb")
    ecrire(tmp_path / "Zoé" / "Bob Dupont_404_assignsubmission_file_.ipynb")
    ecrire(tmp_path / "Léo Petit_505_assignsubmission_file_tp_diffusion.ipynb")  # fichier plat
    soumissions, _ = decouvrir(tmp_path)
    assert [(s.etudiant, s.participant) for s in soumissions] == [
        ("Léo Petit", "505"), ("Zoé", None), ("Zoé Martin", "303")]
    for s in soumissions:  # le chemin seul (états d'avant la clé « participant ») donne le même numéro
        trouve = participant_moodle(s.chemin, s.etudiant)
        assert (trouve.participant if trouve else None) == s.participant


def test_une_remise_sans_nom_moodle_et_une_au_meme_nom_ne_font_qu_un_etudiant(tmp_path):
    ecrire(tmp_path / "Ana.ipynb")
    ecrire(tmp_path / "Ana_42_assignsubmission_file_" / "v2.ipynb")
    [soumission], _ = decouvrir(tmp_path)
    assert (soumission.etudiant, soumission.participant) == ("Ana", "42") and soumission.remarques


def _etat(etudiant, fichier, **autres):
    return {"etudiant": etudiant, "fichier": fichier, "resultat": {}, "remarques": [], **autres}


def test_participant_de_l_etat_prefere_la_cle_participant():
    assert participant_de_etat(_etat("Zoé", "r/Zoé/Bob_404_assignsubmission_file_.ipynb")) is None
    assert participant_de_etat(_etat("Zoé", "r/x.ipynb", participant="7", nom_complet="Zoé M")).participant == "7"
    assert participant_de_etat(_etat("Zoé", "r/Zoé_9_assignsubmission_file_/a.ipynb", participant=None)) is None
    homonyme = participant_de_etat(_etat("Alice Martin (202)", "r/Alice Martin_202_assignsubmission_file_/a.ipynb"))
    assert (homonyme.nom_complet, homonyme.participant) == ("Alice Martin", "202")


def test_zip_homonymes_separes_numero_en_double_exclu_nom_long_raccourci(tmp_path):
    long_nom = "Maximilienne " + "de la Tour-" * 16 + "Dupont"  # 195 caractères
    etats = [_etat("Alice Martin (101)", "r/Alice Martin_101_assignsubmission_file_/tp.ipynb"),
             _etat("Alice Martin (202)", "r/Alice Martin_202_assignsubmission_file_/tp.ipynb"),
             _etat("Zoé", "r/Zoé/Bob Dupont_404_assignsubmission_file_.ipynb"),
             _etat("Paul Roy", "r/Paul Roy_7_assignsubmission_file_/tp.ipynb"),
             _etat("Paula Roy", "r/Paula Roy_7_assignsubmission_file_/tp.ipynb"),
             _etat(long_nom, f"r/{long_nom}_8_assignsubmission_file_/tp.ipynb")]
    (tmp_path / "feedback").mkdir()
    for etat in etats:
        retour = tmp_path / "feedback" / nom_de_fichier(etat["etudiant"], ".html")  # nom raccourci si trop long
        retour.write_text(etat["etudiant"], encoding="utf-8")
    resultat = ecrire_zip(tmp_path, etats)
    assert resultat.inclus == ["Alice Martin (101)", "Alice Martin (202)", long_nom]
    assert resultat.sans_moodle == ["Zoé"] and resultat.conflits == ["Paul Roy", "Paula Roy"]
    assert "même numéro de participant" in resultat.message()
    with zipfile.ZipFile(resultat.chemin) as archive:
        noms = archive.namelist()
        assert len(noms) == len(set(noms)) == 3
        assert archive.read("Alice Martin_202_assignfeedback_file/retour_tp_diffusion.html") == b"Alice Martin (202)"
        [long] = [n for n in noms if "_8_" in n]
        assert len(long.split("_")[0]) <= 80 and long.split("_")[1] == "8"
