"""Après la correction, sans rien corriger : ajustements, zip Moodle, identifiants nbgrader.

Tests rapides sur des fichiers faits à la main (millisecondes).
"""
import csv
import re
import zipfile

import pytest

from autograder.bareme import bareme
from autograder.correction.sorties import ajustements as aj
from autograder.correction.sorties.carnet import correspondance, id_valide
from autograder.correction.sorties.finalisation import finaliser
from autograder.correction.sorties.retours_moodle import ecrire_zip, participant_moodle
from conftest import sans_insecables

BAREME = bareme()
ETUDIANTS = ["Élodie Martin", "Chloé Dubois", "Léo Petit"]


def _ligne(etudiant, **points):
    ligne = {"student_id": etudiant, **{ex: points.get(ex, m) for ex, m in BAREME.items()}, "statut": "ok"}
    ligne["total"] = sum(ligne[ex] for ex in BAREME)
    ligne["note_sur_20"] = round(20 * ligne["total"] / sum(BAREME.values()), 2)
    return ligne


def _csv(*lignes):
    return "student_id,exercice,points,motif\n" + "".join(ligne + "\n" for ligne in lignes)


# -- lecture de ajustements.csv ---------------------------------------------------------------

def test_une_ligne_valide_donne_un_ajustement():
    lecture = aj.analyser(_csv("Chloé Dubois,ex2,1.5,calcul juste mais arrondi"), etudiants=ETUDIANTS, bareme=BAREME)
    assert lecture.ignorees == []
    assert lecture.ajustements == [aj.Ajustement("Chloé Dubois", "ex2", 1.5, "calcul juste mais arrondi", 2)]


def test_virgule_decimale_et_motif_avec_virgules():
    lecture = aj.analyser(_csv('Léo Petit,ex5,"2,5","bien vu, mais en retard"'), etudiants=ETUDIANTS, bareme=BAREME)
    assert [(a.points, a.motif) for a in lecture.ajustements] == [(2.5, "bien vu, mais en retard")]


@pytest.mark.parametrize("ligne, raison", [
    ("Leo Petit,ex2,1,x", r"étudiant inconnu « Leo Petit » \(vouliez-vous dire : Léo Petit"),
    ("Léo Petit,ex12,1,x", r"exercice inconnu « ex12 » \(exercices : ex1, ex2"),
    ("Léo Petit,ex2,beaucoup,x", r"points non numériques « beaucoup »"),
    ("Léo Petit,ex2,3.5,x", r"3,5 point\(s\) hors de l'intervalle 0 à 3 de l'exercice ex2"),
    ("Léo Petit,ex2,-1,x", r"-1 point\(s\) hors de l'intervalle 0 à 3"),
    ("Léo Petit,ex2,nan,x", r"points non numériques « nan »"),
    ("Léo Petit,ex2", r"il faut au moins student_id, exercice et points"),
])
def test_une_ligne_invalide_est_signalee_avec_son_numero_et_ignoree(ligne, raison):
    texte = _csv("Élodie Martin,ex1,1,relu", ligne, "Chloé Dubois,ex3,0,copie")
    lecture = aj.analyser(texte, etudiants=ETUDIANTS, bareme=BAREME)
    assert [(a.student_id, a.ligne) for a in lecture.ajustements] == [("Élodie Martin", 2), ("Chloé Dubois", 4)]
    assert len(lecture.ignorees) == 1
    message = str(lecture.ignorees[0])
    assert sans_insecables(message).startswith("ajustements.csv, ligne 3 : ") and message.endswith("ligne ignorée")
    assert re.search(raison, sans_insecables(message)), message


def test_mauvais_entete_rien_n_est_applique():
    lecture = aj.analyser("etudiant,ex,pts\nLéo Petit,ex2,1\n", etudiants=ETUDIANTS, bareme=BAREME)
    assert lecture.ajustements == [] and "en-tête attendu" in str(lecture.ignorees[0])


def test_la_derniere_ligne_pour_un_meme_exercice_l_emporte():
    lecture = aj.analyser(_csv("Léo Petit,ex2,1,a", "Léo Petit,ex2,2,b"), etudiants=ETUDIANTS, bareme=BAREME)
    assert [(a.points, a.motif) for a in lecture.ajustements] == [(2.0, "b")]


def test_le_fichier_est_cree_une_fois_et_jamais_reecrit(tmp_path):
    chemin = aj.creer_si_absent(tmp_path)
    assert chemin.read_text(encoding="utf-8") == "student_id,exercice,points,motif\n"
    chemin.write_text(_csv("Léo Petit,ex2,1,a"), encoding="utf-8")
    aj.creer_si_absent(tmp_path)
    assert "Léo Petit" in chemin.read_text(encoding="utf-8")


# -- fichiers enregistrés par Excel, guillemets oubliés, commentaires --------------------------------

def test_excel_en_francais_point_virgule_virgule_decimale_windows_1252(tmp_path):
    """« CSV (séparateur : point-virgule) » d'Excel : cp1252, « ; », « 1,5 », colonnes vides en fin de ligne."""
    texte = "student_id;exercice;points;motif;;\r\nChloé Dubois;ex1;1,5;beta presque juste, décalage;;\r\n"
    chemin = tmp_path / "ajustements.csv"
    chemin.write_bytes(texte.encode("cp1252"))
    lecture = aj.lire(chemin, etudiants=ETUDIANTS, bareme=BAREME)
    assert [(a.student_id, a.points, a.motif) for a in lecture.ajustements] == [
        ("Chloé Dubois", 1.5, "beta presque juste, décalage")]
    assert lecture.ignorees == [] and "Windows-1252" in " ".join(lecture.messages())
    chemin.write_bytes(("\ufeff" + texte).encode("utf-8"))  # « CSV UTF-8 » : BOM, pas de message
    lecture = aj.lire(chemin, etudiants=ETUDIANTS, bareme=BAREME)
    assert [a.points for a in lecture.ajustements] == [1.5] and lecture.messages() == []


@pytest.mark.parametrize("entete, cause", [
    ("student_id|exercice|points|motif", "séparateur « | » non reconnu"),
    ("student_id,exercise,points,motif", "colonne(s) absente(s) de l'en-tête : exercice"),
])
def test_fichier_refuse_avec_sa_cause(entete, cause):
    lecture = aj.analyser(entete + "\nLéo Petit|ex2|1|x\n", etudiants=ETUDIANTS, bareme=BAREME)
    [refus] = lecture.ignorees
    assert lecture.ajustements == [] and sans_insecables(cause) in sans_insecables(str(refus))
    assert str(refus).endswith("fichier entier ignoré, aucun ajustement appliqué") and "ligne ignorée" not in str(refus)


def test_virgule_decimale_non_protegee_refusee_et_nommee():
    lecture = aj.analyser(_csv("Chloé Dubois,ex1,1,5,motif", "Léo Petit,ex2,1,5"), etudiants=ETUDIANTS, bareme=BAREME)
    assert lecture.ajustements == [] and [i.ligne for i in lecture.ignorees] == [2, 3]
    assert sans_insecables("« 1,5 » : virgule décimale dans un fichier séparé par des virgules") \
        in sans_insecables(str(lecture.ignorees[0]))


def test_guillemet_oublie_n_avale_pas_les_lignes_suivantes():
    texte = _csv('Léo Petit,ex2,1,"oubli', "Chloé Dubois,ex3,0,copie",
                 'Élodie Martin,ex1,1,"sur deux', 'lignes"', 'Léo Petit,ex4,1,a"b"c')
    lecture = aj.analyser(texte, etudiants=ETUDIANTS, bareme=BAREME)
    assert [(a.student_id, a.exercice, a.motif) for a in lecture.ajustements] == [
        ("Chloé Dubois", "ex3", "copie"), ("Léo Petit", "ex4", 'a"b"c')]
    assert [i.ligne for i in lecture.ignorees] == [2, 4, 5]
    assert "guillemet ouvert et jamais refermé" in str(lecture.ignorees[0])
    assert "retour à la ligne" in str(lecture.ignorees[1])


def test_trop_de_colonnes_appliquee_et_signalee():
    lecture = aj.analyser(_csv("Léo Petit,ex5,2,bien vu, mais en retard"), etudiants=ETUDIANTS, bareme=BAREME)
    assert [(a.points, a.motif) for a in lecture.ajustements] == [(2.0, "bien vu, mais en retard")]
    [avertissement] = lecture.avertissements
    assert sans_insecables(str(avertissement)).startswith(sans_insecables("ajustements.csv, ligne 2 : 5 colonnes"))


def test_ligne_sans_points_est_un_commentaire_dans_le_retour(tmp_path):
    texte = _csv("Léo Petit,,,Très bon travail, continuez", "Léo Petit,ex3,,revoir le tirage de epsilon",
                 "Chloé Dubois,,,", "Chloé Dubois,,2,x")
    lecture = aj.analyser(texte, etudiants=ETUDIANTS, bareme=BAREME)
    assert lecture.ajustements == []
    assert [c.texte_affiche() for c in lecture.commentaires] == [
        "Très bon travail, continuez", "ex3\u00a0: revoir le tirage de epsilon"]
    assert [i.ligne for i in lecture.ignorees] == [4, 5]
    assert "ou un motif pour un commentaire" in str(lecture.ignorees[0])
    assert "exercice manquant" in str(lecture.ignorees[1])
    retour = tmp_path / "Léo Petit.html"
    retour.write_text("<html><body><h1>TP</h1></body></html>", encoding="utf-8")
    assert aj.marquer_retour(retour, [], 20.0, lecture.commentaires)
    page = retour.read_text(encoding="utf-8")
    assert "Commentaires de votre enseignant\u00a0:" in page and "revoir le tirage de epsilon" in page
    assert "Note modifiée" not in page


def test_encadre_en_css_ascii():
    assert aj.STYLE_BLOC.isascii() and "max-width: 60em; font-family: sans-serif" in aj.STYLE_BLOC
    modification = aj.Modification("Léo Petit", "ex2", 1.0, 2.5, 3.0, "vu")
    style = re.search(r'style="([^"]*)"', aj._bloc([modification], 19.5)).group(1)
    assert style == aj.STYLE_BLOC


# -- application ----------------------------------------------------------------------------------

def test_appliquer_recalcule_total_note_et_statut():
    lignes = [_ligne("Élodie Martin"), _ligne("Léo Petit", ex2=1.0)]
    ajustement = aj.Ajustement("Léo Petit", "ex2", 3.0, "recompté à la main", 2)
    nouvelles, modifications = aj.appliquer(lignes, [ajustement], bareme=BAREME)
    assert nouvelles[0] == lignes[0]
    assert nouvelles[1]["ex2"] == 3.0 and nouvelles[1]["total"] == 20 and nouvelles[1]["note_sur_20"] == 20
    assert sans_insecables(nouvelles[1]["statut"]) == sans_insecables(
        "ajusté à la main : ex2 : 1 → 3 / 3 point(s) (recompté à la main)")
    assert lignes[1]["ex2"] == 1.0  # l'entrée n'est pas modifiée
    assert modifications == [aj.Modification("Léo Petit", "ex2", 1.0, 3.0, 3.0, "recompté à la main")]


def test_encadre_du_retour_insere_en_tete_idempotent_puis_retire(tmp_path):
    retour = tmp_path / "Léo Petit.html"
    original = "<!DOCTYPE html>\n<html><head></head><body class='x'>\n<h1>TP</h1></body></html>"
    retour.write_text(original, encoding="utf-8")
    modification = aj.Modification("Léo Petit", "ex2", 1.0, 3.0, 3.0, "recompté <à la main> par l'enseignant")
    assert aj.marquer_retour(retour, [modification], 20.0)
    une_fois = retour.read_text(encoding="utf-8")
    assert une_fois.index("<body class='x'>") \
        < une_fois.index("Note modifiée par votre enseignant\u00a0: 20\u00a0/\u00a020.") \
        < une_fois.index("<h1>TP</h1>")
    assert sans_insecables("ex2 : 1 → 3 / 3 point(s) (recompté &lt;à la main&gt; par l'enseignant)") \
        in sans_insecables(une_fois)
    assert not aj.marquer_retour(retour, [modification], 20.0)
    assert retour.read_text(encoding="utf-8") == une_fois
    assert aj.marquer_retour(retour, [], 18.0)  # ajustement retiré du fichier : encadré retiré
    assert retour.read_text(encoding="utf-8") == original


def test_etudiant_inconnu_pour_etudiant_seul_propose_les_proches():
    assert aj.choisir_etudiant(ETUDIANTS, "Léo Petit") == "Léo Petit"
    with pytest.raises(ValueError) as erreur:
        aj.choisir_etudiant(ETUDIANTS, "leo petit")
    assert re.search(r"Étudiant inconnu : « leo petit ».*Identifiants proches : Léo Petit",
                     sans_insecables(str(erreur.value)))


# -- retours pour Moodle --------------------------------------------------------------------------

def importation_moodle(chemin_dans_le_zip, participants):
    """Réécriture de assignfeedback_file_zip_importer::is_valid_filename_for_import (Moodle 4.x).

    Renvoie (participant, type de plugin, nom de plugin, nom de fichier) ou None.
    """
    parties = chemin_dans_le_zip.split("/")
    while parties:
        info = parties.pop(0).split("_", 4)  # explode('_', $pathpart, 5)
        if len(info) < 4 or not re.fullmatch(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*", info[1]):
            continue
        participant = int(float(info[1]))
        if participant not in participants:
            continue
        reste = info[4] if len(info) == 5 else ""
        return participant, info[2], info[3], "/".join([reste, *parties])
    return None


def _etat(etudiant, fichier):
    return {"etudiant": etudiant, "fichier": fichier, "resultat": {}, "remarques": []}


def test_participant_moodle_lu_dans_le_dossier_ou_le_fichier():
    assert participant_moodle("remises/Élodie Martin_4021_assignsubmission_file_/tp.ipynb").participant == "4021"
    plat = participant_moodle("remises/Léo Petit_77_assignsubmission_file_tp_diffusion.ipynb")
    assert (plat.nom_complet, plat.participant) == ("Léo Petit", "77")
    assert participant_moodle("remises/Léo Petit/tp_diffusion.ipynb") is None


def test_zip_moodle_chaque_retour_arrive_chez_son_participant(tmp_path):
    etats = [_etat("Élodie Martin", "r/Élodie Martin_4021_assignsubmission_file_/tp_diffusion.ipynb"),
             _etat("Anne_Sophie Roy", "r/Anne_Sophie Roy_4022_assignsubmission_file_/tp_diffusion.ipynb"),
             _etat("sans moodle", "r/sans moodle.ipynb")]
    (tmp_path / "feedback").mkdir()
    for etat in etats:
        (tmp_path / "feedback" / f"{etat['etudiant']}.html").write_text(f"<p>{etat['etudiant']}</p>", encoding="utf-8")
    resultat = ecrire_zip(tmp_path, etats)
    assert resultat.chemin == tmp_path / "retours_moodle.zip"
    assert resultat.sans_moodle == ["sans moodle"] and "absents du zip : sans moodle" in resultat.message()
    participants = {4021: "Élodie Martin", 4022: "Anne_Sophie Roy"}
    with zipfile.ZipFile(resultat.chemin) as archive:
        recu = {}
        for nom in archive.namelist():
            participant, type_, plugin, fichier = importation_moodle(nom, participants)
            assert (type_, plugin) == ("assignfeedback", "file")
            assert fichier == "/retour_tp_diffusion.html"
            recu[participants[participant]] = archive.read(nom).decode("utf-8")
    assert recu == {e: f"<p>{e}</p>" for e in participants.values()}


def test_sans_nom_moodle_pas_de_zip_et_une_ligne(tmp_path):
    (tmp_path / "feedback").mkdir()
    (tmp_path / "feedback" / "a.html").write_text("x", encoding="utf-8")
    (tmp_path / "retours_moodle.zip").write_bytes(b"ancien")
    resultat = ecrire_zip(tmp_path, [_etat("a", "r/a.ipynb")])
    assert resultat.chemin is None and not (tmp_path / "retours_moodle.zip").exists()
    assert resultat.message().startswith("Pas de retours_moodle.zip : aucune remise") and "\n" not in resultat.message()


# -- identifiants nbgrader --------------------------------------------------------------------------

def test_correspondance_des_identifiants_stable_et_sans_doublon(tmp_path):
    fichier = tmp_path / "cours_correspondance.csv"
    table = correspondance(fichier, ["Élodie Martin", "elodie_martin", "Jean-Luc O'Brien", "***"])
    assert table == {"elodie_martin": "elodie_martin", "Élodie Martin": "elodie_martin_2",
                     "Jean-Luc O'Brien": "jean_luc_o_brien", "***": "etudiant"}
    assert all(id_valide(i) for i in table.values())
    with open(fichier, encoding="utf-8", newline="") as f:
        assert {ligne["student_id"]: ligne["id_nbgrader"] for ligne in csv.DictReader(f)} == table
    # une nouvelle venue ne change les identifiants de personne, même si son nom trie avant
    table2 = correspondance(fichier, ["Élodie Martin", "Elodie Martin", "***"])
    assert {k: table2[k] for k in table} == table and table2["Elodie Martin"] == "elodie_martin_3"


# -- finalisation sans carnet -----------------------------------------------------------------------

def test_finaliser_applique_les_ajustements_et_signale_la_ligne_invalide(tmp_path):
    def ligne_de_note(etudiant, resultat, remarques):
        return _ligne(etudiant, **resultat.get("points", {}))

    etats = [_etat("Léo Petit", "r/Léo Petit_9_assignsubmission_file_/tp.ipynb")
             | {"resultat": {"points": {"ex2": 1.0}}},
             _etat("Chloé Dubois", "r/Chloé Dubois_8_assignsubmission_file_/tp.ipynb")]
    (tmp_path / "feedback").mkdir()
    for etat in etats:
        (tmp_path / "feedback" / f"{etat['etudiant']}.html").write_text("<body><p>retour</p></body>", encoding="utf-8")
    dit = []
    premier = finaliser(sortie=tmp_path, etats=etats, ligne_de_note=ligne_de_note, dire=dit.append, carnet=False)
    assert [ligne["note_sur_20"] for ligne in premier.lignes] == [18, 20]
    (tmp_path / "ajustements.csv").write_text(_csv("Léo Petit,ex2,2.5,barème revu", "Chloé Dubois,ex2,9,trop"),
                                              encoding="utf-8")
    avant = (tmp_path / "ajustements.csv").read_bytes()
    second = finaliser(sortie=tmp_path, etats=etats, ligne_de_note=ligne_de_note, dire=dit.append, carnet=False)
    assert [ligne["ex2"] for ligne in second.lignes] == [2.5, 3.0]
    assert any("ajustements.csv, ligne 3 : 9 point(s) hors de l'intervalle" in d for d in dit)
    assert (tmp_path / "ajustements.csv").read_bytes() == avant
    with zipfile.ZipFile(tmp_path / "retours_moodle.zip") as archive:
        page = archive.read("Léo Petit_9_assignfeedback_file/retour_tp_diffusion.html").decode("utf-8")
    assert "barème revu" in page and "19,5\u00a0/\u00a020" in page
    assert [sans_insecables(m.texte()) for m in second.modifications] \
        == [sans_insecables("ex2 : 1 → 2,5 / 3 point(s) (barème revu)")]


def test_make_grade_etudiant_inconnu_erreur_claire_sans_rien_ecrire(tmp_path, capsys):
    from autograder.correction.classe import main

    remises = tmp_path / "remises"
    for dossier in ("Léo Petit_4023_assignsubmission_file_", "Chloé Dubois_4022_assignsubmission_file_"):
        (remises / dossier).mkdir(parents=True)
        (remises / dossier / "tp_diffusion.ipynb").write_text("{}", encoding="utf-8")
    assert main([str(remises), "--sortie", str(tmp_path / "sortie"), "--etudiant", "Leo Petit"]) == 2
    erreur = capsys.readouterr().err
    erreur = sans_insecables(erreur)
    assert sans_insecables("Étudiant inconnu : « Leo Petit »") in erreur
    assert sans_insecables("Identifiants proches : Léo Petit") in erreur
    assert not (tmp_path / "sortie").exists()
