"""La correction d'une classe : barème, erreurs typiques sans cascade, sorties, reprise, parts."""
import csv
import json
import re
import subprocess
import sys

import pytest
from bs4 import BeautifulSoup

from autograder.bareme import bareme
from autograder.cellules import lignes_tests_caches
from autograder.chemins import NOTEBOOK_MAITRE, RACINE
from autograder.correction.lecture.remises import decouvrir, selectionner_part
from autograder.correction.sorties.fusion import fusionner
from conftest import ETUDIANT_CORRECT, sans_insecables
from fabrique import ERREURS_TYPIQUES

pytestmark = pytest.mark.lent
BAREME = bareme()


def points(ligne):
    return {ex: float(ligne[ex]) for ex in BAREME}


def test_le_bareme_fait_20_points_sur_9_exercices():
    assert list(BAREME) == [f"ex{i}" for i in range(1, 10)]
    assert sum(BAREME.values()) == 20


def test_copie_correcte_20_sur_20(classe_corrigee):
    notes = classe_corrigee.notes
    ligne = notes[ETUDIANT_CORRECT]
    assert points(ligne) == BAREME
    assert float(ligne["note_sur_20"]) == 20 and ligne["statut"] == "ok"


def test_copie_vierge_0_sans_planter(classe_corrigee):
    notes = classe_corrigee.notes
    assert all(p == 0 for p in points(notes["vierge"]).values())
    assert float(notes["vierge"]["note_sur_20"]) == 0


@pytest.mark.parametrize("nom", sorted(ERREURS_TYPIQUES))
def test_une_erreur_typique_ne_coute_que_dans_son_exercice(classe_corrigee, nom):
    notes = classe_corrigee.notes
    _, pertes = ERREURS_TYPIQUES[nom]
    attendu = {ex: BAREME[ex] - pertes.get(ex, 0) for ex in BAREME}
    assert points(notes[nom]) == attendu
    assert float(notes[nom]["total"]) == 20 - sum(pertes.values())


def test_notes_csv_colonnes_et_moodle(classe_corrigee):
    sortie, notes = classe_corrigee.sortie, classe_corrigee.notes
    entete = (sortie / "notes.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert entete == ["student_id", *BAREME, "total", "note_sur_20", "statut", "signalements"]
    with open(sortie / "moodle.csv", encoding="utf-8", newline="") as fichier:
        moodle = {ligne["identifiant"]: ligne for ligne in csv.DictReader(fichier)}
    assert set(moodle) == set(notes)
    assert moodle[ETUDIANT_CORRECT]["TP diffusion"] == "20.00"
    assert (sortie / "resume.png").stat().st_size > 10_000


def test_resume_au_terminal(classe_corrigee):
    notes, texte = classe_corrigee.notes, sans_insecables(classe_corrigee.texte)
    assert sans_insecables(f"Copies notées : {len(notes)}") in texte
    assert re.search(r"Moyenne : \d+,\d\d / 20 — médiane : \d+,\d\d / 20", texte)
    assert sans_insecables("Réussite complète par exercice : ex1") in texte
    assert f"{len(notes)}/{len(notes)}" in texte  # barre de progression


def test_jugee_par_les_juges_de_la_classe(classe_corrigee):
    """Les juges de la classe (``jugement/service.py``) ont jugé toutes les copies : aucune n'a
    eu besoin d'un juge à elle (qui réimporte Keras, environ 8 s de plus par copie)."""
    travail = classe_corrigee.sortie / "cours" / "travail"
    copies = [d for d in travail.iterdir() if d.is_dir()]
    jugees = [d.name for d in copies if (d / "jugement.json").exists()]
    a_part = [d.name for d in copies if (d / "juge.log").exists()]
    assert len(jugees) >= len(classe_corrigee.notes) - 3 and not a_part, (jugees, a_part)
    assert "juges de la classe relancés" not in classe_corrigee.texte
    assert (classe_corrigee.sortie / "cours" / "juges" / "arret").exists()


def _lignes_cachees():
    """Lignes des tests cachés du maître qui n'apparaissent nulle part ailleurs en clair."""
    cellules = json.loads(NOTEBOOK_MAITRE.read_text(encoding="utf-8"))["cells"]
    return {" ".join(ligne.split()) for ligne in lignes_tests_caches(cellules)}


def test_aucun_test_cache_dans_les_retours(classe_corrigee):
    sortie = classe_corrigee.sortie
    cachees = _lignes_cachees()
    assert len(cachees) > 30
    retours = sorted((sortie / "feedback").glob("*.html"))
    assert {r.stem for r in retours} >= {ETUDIANT_CORRECT, "vierge", *ERREURS_TYPIQUES}
    for retour in retours:
        texte = " ".join(BeautifulSoup(retour.read_text(encoding="utf-8"), "html.parser").get_text().split())
        fuites = [ligne for ligne in cachees if ligne in texte]
        assert not fuites, f"{retour.name} : {fuites[:3]}"
        assert "HIDDEN TESTS" not in texte and "_tp_apres_cette_cellule" not in texte
    # un test caché qui échoue n'affiche que son message, en français
    texte = BeautifulSoup((sortie / "feedback" / "cinquante_images_un_seul_bruit.html").read_text(encoding="utf-8"),
                          "html.parser").get_text()
    assert "chaque image reçoit son propre bruit" in texte
    assert sans_insecables("Points : 0 / 2") in sans_insecables(texte) and "Votre réponse" in texte


def test_relancer_reprend_sans_rien_recorriger_ni_ecraser(classe_corrigee):
    sortie, notes, remises = classe_corrigee.sortie, classe_corrigee.notes, classe_corrigee.remises
    avant = (sortie / "notes.csv").read_bytes()
    execution = subprocess.run(
        [sys.executable, "-m", "autograder.correction.classe", str(remises), "--sortie", str(sortie)],
        cwd=RACINE, capture_output=True, text=True, timeout=300,
    )
    assert execution.returncode == 0, execution.stderr
    assert f"Reprise : {len(notes)} remise(s) déjà notée(s) et inchangée(s), 0 à noter." in execution.stdout
    assert (sortie / "notes.csv").read_bytes() == avant
    assert not (sortie / "archives").exists() or not list((sortie / "archives").glob("*notes.csv"))


def test_parts_deterministes_et_fusion(classe_corrigee, tmp_path):
    sortie, notes, remises = classe_corrigee.sortie, classe_corrigee.notes, classe_corrigee.remises
    soumissions, _ = decouvrir(remises)
    parts = [selectionner_part(soumissions, f"{i}/3") for i in (1, 2, 3)]
    noms = [s.etudiant for part in parts for s in part]
    assert sorted(noms) == sorted(s.etudiant for s in soumissions)  # chaque remise dans une seule part
    assert [s.etudiant for s in selectionner_part(soumissions, "2/3")] == [s.etudiant for s in parts[1]]
    # trois dossiers de parts, faits des résultats de la classe, puis fusion
    dossiers = []
    for i, part in enumerate(parts, 1):
        dossier = tmp_path / f"part{i}"
        (dossier / "etat").mkdir(parents=True)
        (dossier / "feedback").mkdir()
        for s in part:
            fichier = sortie / "etat" / f"{s.id_interne}.json"
            (dossier / "etat" / fichier.name).write_bytes(fichier.read_bytes())
            retour = sortie / "feedback" / f"{s.etudiant}.html"
            (dossier / "feedback" / retour.name).write_bytes(retour.read_bytes())
        dossiers.append(dossier)
    fusion = tmp_path / "fusion"
    fusionner(dossiers, fusion, ecran=open("/dev/null", "w"))
    assert (fusion / "notes.csv").read_text(encoding="utf-8") == (sortie / "notes.csv").read_text(encoding="utf-8")
    assert len(list((fusion / "feedback").glob("*.html"))) == len(notes)
    # un étudiant présent dans deux parts : le résultat le plus récent est gardé, et c'est dit
    doublon = next(iter((dossiers[0] / "etat").glob("*.json")))
    etat = json.loads(doublon.read_text(encoding="utf-8"))
    etat["date"] = "2999-01-01T00:00:00"
    (dossiers[1] / "etat" / doublon.name).write_text(json.dumps(etat), encoding="utf-8")
    lignes = fusionner(dossiers, tmp_path / "fusion2", ecran=open("/dev/null", "w"))
    assert any("noté dans deux parts" in ligne["statut"] for ligne in lignes if ligne["student_id"] == etat["etudiant"])
