"""Des remises hostiles sont notées justement, avec un statut clair, sans gêner les autres."""
import csv
import json
import re
import signal
import subprocess
import sys
import time

import pytest

from autograder.bareme import bareme
from autograder.chemins import RACINE
from autograder.correction.execution.sandbox import detecter_bac_a_sable
from autograder.correction.lecture.remises import Remise
from conftest import ETUDIANT_CORRECT, exiger_ou_ignorer, sans_insecables
from fabrique import ecrire, remise
from remises_hostiles import ATTENDU, CIBLE_PIRATE

pytestmark = pytest.mark.lent
BAREME = bareme()


@pytest.mark.parametrize("etudiant", sorted(ATTENDU))
def test_remise_hostile_notee_justement(classe_corrigee, etudiant):
    pertes, motif = ATTENDU[etudiant]
    ligne = classe_corrigee.notes[etudiant]
    obtenu = {ex: float(ligne[ex]) for ex in BAREME}
    attendu = {ex: 0.0 for ex in BAREME} if pertes == "tout" else {ex: BAREME[ex] - pertes.get(ex, 0) for ex in BAREME}
    assert obtenu == attendu, ligne["statut"]
    if motif is None:
        assert ligne["statut"] == "ok"
    else:
        assert re.search(motif, sans_insecables(ligne["statut"])), ligne["statut"]


def test_les_autres_copies_ne_sont_pas_genees(classe_corrigee):
    assert float(classe_corrigee.notes[ETUDIANT_CORRECT]["note_sur_20"]) == 20
    assert "ignoré (pas un notebook) : consignes.txt" in classe_corrigee.texte
    assert "consignes" not in classe_corrigee.notes


def test_une_remise_illisible_a_un_retour_qui_dit_pourquoi(classe_corrigee):
    texte = (classe_corrigee.sortie / "feedback" / "json_invalide.html").read_text(encoding="utf-8")
    assert sans_insecables("Note : 0 / 20") in sans_insecables(texte) and "JSON invalide" in texte


def test_sorties_enormes_tronquees_et_chaque_page_sous_300_ko(classe_corrigee):
    retour = classe_corrigee.sortie / "feedback" / "sorties_enormes.html"
    texte = retour.read_text(encoding="utf-8")
    assert "Sorties tronquées à la correction" in texte and "(2 au plus par cellule)" in texte
    tailles = {page.name: page.stat().st_size for page in (classe_corrigee.sortie / "feedback").glob("*.html")}
    assert len(tailles) == len(classe_corrigee.notes), sorted(tailles)
    assert max(tailles.values()) <= 300_000, sorted(tailles.items(), key=lambda t: -t[1])[:3]
    # la cellule des outils (module des vérifications, ~39 000 caractères) : une ligne dans chaque page
    remises = [p for p in (classe_corrigee.sortie / "feedback").glob("*.html") if p.name != "json_invalide.html"]
    assert not [p.name for p in remises if "#@title Outils" in p.read_text(encoding="utf-8")]


def test_le_tricheur_ne_lit_rien_ne_joint_personne_n_ecrit_nulle_part(classe_corrigee):
    etat = detecter_bac_a_sable()
    exiger_ou_ignorer(etat.complet, f"bac à sable incomplet sur cette machine : {etat.description()}")
    tricheur = Remise("tricheur", classe_corrigee.remises / "tricheur.ipynb")
    dossier = classe_corrigee.sortie / "cours" / "travail" / tricheur.id_interne / "execution"
    tentatives = json.loads((dossier / "tentatives.json").read_text(encoding="utf-8"))
    assert set(tentatives) == {"lire_solutions", "lire_source_nbgrader", "lire_carnet_de_notes",
                               "lire_autre_copie", "reseau", "ecrire_hors_dossier"}
    assert "réussi" not in tentatives.values(), tentatives
    assert classe_corrigee.guetteur.connexions == 0
    assert not CIBLE_PIRATE.exists()


def test_correction_interrompue_puis_reprise(tmp_path):
    remises, sortie = tmp_path / "remises", tmp_path / "sortie"
    ecrire(remise(), remises / "Anaïs.ipynb")
    ecrire(remise({"ex1_reponse": {0: "beta = np.linspace(beta_1, beta_T, T)"}}), remises / "Bastien.ipynb")
    commande = [sys.executable, "-m", "autograder.correction.classe", str(remises), "--sortie", str(sortie),
                "--processus", "1"]
    premiere = subprocess.Popen(commande, cwd=RACINE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)
    limite = time.monotonic() + 300
    while not list((sortie / "etat").glob("*.json")) and time.monotonic() < limite:
        time.sleep(0.5)
    premiere.send_signal(signal.SIGINT)  # Ctrl-C pendant la deuxième copie
    texte = premiere.communicate(timeout=120)[0]
    assert premiere.returncode == 130, texte
    assert "Correction interrompue" in texte
    assert len(list((sortie / "etat").glob("*.json"))) == 1
    reprise = subprocess.run(commande, cwd=RACINE, capture_output=True, text=True, timeout=600)
    assert reprise.returncode == 0, reprise.stdout + reprise.stderr
    assert "Reprise : 1 remise(s) déjà notée(s) et inchangée(s), 1 à noter." in reprise.stdout
    with open(sortie / "notes.csv", encoding="utf-8", newline="") as fichier:
        lignes = list(csv.DictReader(fichier))
    assert [(lg["student_id"], lg["note_sur_20"]) for lg in lignes] == [("Anaïs", "20"), ("Bastien", "18")]


def _texte_du_retour(classe, etudiant):
    from bs4 import BeautifulSoup

    html = (classe.sortie / "feedback" / f"{etudiant}.html").read_text(encoding="utf-8")
    return " ".join(BeautifulSoup(html, "html.parser").get_text().split())


def test_ruse_lecture_ne_montre_rien_hors_de_la_liste_blanche(classe_corrigee):
    """La remise ``ruse_lecture`` affiche tout ce que son noyau a vu et peut lire : ni le fichier
    planté dans le dossier du correcteur, ni le corrigé, ni les réponses de démonstration du
    correcteur, ni la demande faite au juge n'apparaissent dans son retour (ni ailleurs)."""
    from remises_hostiles import SECRET_PLANTE

    etat = detecter_bac_a_sable()
    exiger_ou_ignorer(etat.complet, f"bac à sable incomplet sur cette machine : {etat.description()}")
    texte = _texte_du_retour(classe_corrigee, "ruse_lecture")
    # la tentative a bien eu lieu : les sorties complètes de la remise (le retour, lui, les coupe
    # pour rester sous 300 ko) disent que ces fichiers n'existent pas pour son noyau
    execute = (classe_corrigee.sortie / "cours" / "autograded" / "ruse_lecture" / "tp_diffusion"
               / "tp_diffusion.ipynb").read_text(encoding="utf-8")
    assert f"{classe_corrigee.secret} FileNotFoundError" in execute
    assert "demande_juge.json FileNotFoundError" in execute
    assert SECRET_PLANTE not in execute
    demo = (RACINE / "autograder" / "correction" / "demo.py").read_text(encoding="utf-8")
    maitre = (RACINE / "solutions" / "tp_diffusion.ipynb").read_text(encoding="utf-8")
    reponses_demo = [ligne.strip() for ligne in demo.splitlines()
                     if len(ligne.strip()) > 40 and json.dumps(ligne.strip())[1:-1] not in maitre]
    assert reponses_demo
    for retour in (classe_corrigee.sortie / "feedback").glob("*.html"):
        contenu = retour.read_text(encoding="utf-8")
        assert SECRET_PLANTE not in contenu, retour.name
        assert "BEGIN HIDDEN TESTS" not in contenu and "BEGIN SOLUTION" not in contenu, retour.name
    fuites = [ligne for ligne in reponses_demo if ligne in texte]
    assert not fuites, fuites[:3]


def test_ruses_signalees_dans_notes_csv_avec_cellule_et_ligne(classe_corrigee):
    """Signalement statique (une raison de regarder) ; la copie correcte n'en a aucun."""
    notes = classe_corrigee.notes
    assert notes[ETUDIANT_CORRECT]["signalements"] == ""
    assert "ex1_reponse, ligne" in notes["ruse_execution"]["signalements"]
    assert "ast_transformers" in notes["ruse_execution"]["signalements"]
    assert "set_custom_exc" in notes["ruse_exceptions"]["signalements"]
    assert "remplace un attribut de np (np.allclose)" in notes["ruse_numpy"]["signalements"]
    assert "événements" in notes["ruse_lecture"]["signalements"]


def test_les_ruses_sont_du_python_valide():
    """Une ruse qui ne se compile pas ne prouverait rien (sa cellule échouerait seule)."""
    import ast
    from pathlib import Path

    import remises_hostiles as r

    for code in (r.RUSE_EXECUTION, r.RUSE_EXCEPTIONS, r.RUSE_NUMPY, r.RETABLIR_NUMPY, r.RUSE_LECTURE_HOOK,
                 r.code_lecture(Path("/depot"), Path("/secret"))):
        ast.parse(code)
