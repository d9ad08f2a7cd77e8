"""``Correction`` sans noyau : « à refaire » vient d'un champ du résultat, jamais de son texte."""
import io
import json
import subprocess
import sys

import pytest

from autograder.chemins import RACINE
from autograder.correction.classe import Correction
from autograder.correction.lecture.remises import Remise


class ProcessusFini:
    returncode = 0


def terminer(tmp_path, resultat):
    """Termine une tâche dont le processus a écrit ``resultat`` ; renvoie l'état enregistré."""
    remise = tmp_path / "Ana.ipynb"
    remise.write_text("{}", encoding="utf-8")
    correction = Correction(tmp_path / "sortie", sortie_texte=io.StringIO())
    fichier = tmp_path / "resultat.json"
    fichier.write_text(json.dumps(resultat), encoding="utf-8")
    tache = {"soumission": Remise("Ana", remise), "processus": ProcessusFini(),
             "demande": {"resultat": str(fichier)}, "journal": open(tmp_path / "journal.log", "w")}
    return correction, correction._terminer(tache, expire=False)


@pytest.mark.parametrize("a_refaire", [True, False])
def test_a_refaire_lu_dans_le_resultat(tmp_path, a_refaire):
    erreur = "erreur interne de la correction : OSError : disque plein"
    correction, etat = terminer(tmp_path, {"scores": {}, "remarques": [], "erreur": erreur, "a_refaire": a_refaire})
    assert etat["a_refaire"] is a_refaire
    reprise = correction.etat_valide(Remise("Ana", tmp_path / "Ana.ipynb"))
    assert (reprise is None) is a_refaire  # à refaire : l'ancien état est archivé, la remise recorrigée
    assert "Ana.html" in {p.name for p in (tmp_path / "sortie" / "feedback").iterdir()}


def test_processus_disparu_a_refaire(tmp_path):
    correction = Correction(tmp_path / "sortie", sortie_texte=io.StringIO())
    remise = tmp_path / "Ana.ipynb"
    remise.write_text("{}", encoding="utf-8")
    tache = {"soumission": Remise("Ana", remise), "processus": ProcessusFini(),
             "demande": {"resultat": str(tmp_path / "absent.json")}, "journal": open(tmp_path / "j.log", "w")}
    etat = correction._terminer(tache, expire=False)
    assert etat["a_refaire"] and "s'est arrêté (code 0)" in etat["resultat"]["erreur"]


@pytest.mark.parametrize("module", ["correction.classe", "correction.sorties.fusion",
                                    "correction.slurm", "correction.sorties.fiche_moodle"])
def test_les_commandes_portent_le_nom_de_leur_module(module):
    """Un seul nom par commande : celui du module (les anciens alias corriger/fusionner sont
    retirés, et plus rien ne les appelle : Makefile, Dockerfile, Job Kubernetes, Slurm)."""
    aide = subprocess.run([sys.executable, "-m", f"autograder.{module}", "--help"], cwd=RACINE,
                          capture_output=True, text=True, check=True).stdout
    assert aide.startswith(f"usage: python -m autograder.{module}")
    fichiers = ["Makefile", "deploy/Dockerfile", "deploy/kubernetes/correction-job.yaml",
                "autograder/correction/slurm.py", "README.md"]
    for fichier in fichiers:
        texte = (RACINE / fichier).read_text(encoding="utf-8")
        assert "autograder.corriger" not in texte and "autograder.fusionner" not in texte, fichier
        for ancien in ("copie", "fusion", "fiche_moodle", "juge", "references", "soumissions"):
            assert f"autograder.correction.{ancien} " not in texte, (fichier, ancien)


def test_etat_garde_le_participant_moodle_et_la_fiche_est_remplie(tmp_path):
    """L'état porte le numéro de participant ; ``--fiche`` remplit OUT/fiche_notes.csv, sinon une ligne dit
    comment obtenir la feuille."""
    from autograder.correction.sorties.fiche_moodle import COMMENT_OBTENIR, NOM_FICHE
    from autograder.correction.sorties.notes import ligne_de_note, lignes_notes

    remise = tmp_path / "Zoé Roux_4021_assignsubmission_file_" / "tp.ipynb"
    remise.parent.mkdir()
    remise.write_text("{}", encoding="utf-8")
    ecran = io.StringIO()
    correction = Correction(tmp_path / "sortie", sortie_texte=ecran)
    fichier = tmp_path / "resultat.json"
    fichier.write_text(json.dumps({"scores": {"ex1_verif": 2.0}, "remarques": []}), encoding="utf-8")
    tache = {"soumission": Remise("Zoé Roux", remise, participant="4021", nom_complet="Zoé Roux"),
             "processus": ProcessusFini(), "demande": {"resultat": str(fichier)},
             "journal": open(tmp_path / "journal.log", "w")}
    etat = correction._terminer(tache, expire=False)
    assert (etat["participant"], etat["nom_complet"]) == ("4021", "Zoé Roux")
    ligne = ligne_de_note("Zoé Roux", etat["resultat"])
    (tmp_path / "sortie" / "notes.csv").write_text(lignes_notes([ligne]), encoding="utf-8")
    correction._remplir_fiche()
    assert COMMENT_OBTENIR in ecran.getvalue() and not (tmp_path / "sortie" / NOM_FICHE).exists()
    fiche = tmp_path / "feuille.csv"
    fiche.write_text("Identifiant,Nom complet,Note,Dernière modification (note),Commentaires de feedback\n"
                     "Participant 4021,Zoé Roux,,-,\n", encoding="utf-8")
    correction.fiche = fiche
    correction._remplir_fiche()
    rempli = (tmp_path / "sortie" / NOM_FICHE).read_text(encoding="utf-8").splitlines()[1]
    assert rempli.startswith('Participant 4021,Zoé Roux,"2,00",') and "ex1 2/2" in rempli
