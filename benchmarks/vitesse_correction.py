"""Vitesse de la correction : nbgrader seul, en série, contre ``autograder.correction.classe``.

Usage : ``make benchmark-grading [N=6]`` ou ``python -m benchmarks.vitesse_correction --copies N``

Les deux corrigent N copies correctes du TP (notebook étudiant rempli avec les réponses
du maître), en mode rapide, avec retour HTML, et affichent les secondes par copie :

- « nbgrader seul » : un dossier de cours, ``autograde`` puis ``generate_feedback`` pour
  chaque étudiant, l'un après l'autre (nbgrader n'a pas de correction parallèle, #174),
  avec sa configuration d'origine sauf le délai par cellule, porté à 120 s comme ici
  (30 s par défaut : l'entraînement court dépasse parfois ce délai) ;
- « ce correcteur » : ``python -m autograder.correction.classe`` (un processus par copie, autant
  en parallèle que de cœurs, bac à sable, reconstruction des remises).
"""
import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from autograder.chemins import ASSIGNMENT, NOTEBOOK_MAITRE
from autograder.correction.classe import Correction
from autograder.correction.lecture.remises import decouvrir
from autograder.environnement import ENVIRONNEMENT_RAPIDE
from autograder.remises_modeles import ecrire, remise


def nbgrader_seul(remises, dossier):
    """Correction en série avec la configuration d'origine de nbgrader ; renvoie la durée (s)."""
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    config = Config()
    config.CourseDirectory.root = str(dossier)
    config.Execute.timeout = 120
    source = dossier / "source" / ASSIGNMENT
    source.mkdir(parents=True)
    shutil.copyfile(NOTEBOOK_MAITRE, source / f"{ASSIGNMENT}.ipynb")
    api = NbGraderAPI(config=config)
    assert api.generate_assignment(ASSIGNMENT)["success"]
    etudiants = []
    for i, chemin in enumerate(sorted(remises.glob("*.ipynb"))):
        etudiant = f"etudiant{i:03d}"
        (dossier / "submitted" / etudiant / ASSIGNMENT).mkdir(parents=True)
        shutil.copyfile(chemin, dossier / "submitted" / etudiant / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
        etudiants.append(etudiant)
    debut = time.perf_counter()
    for etudiant in etudiants:
        assert api.autograde(ASSIGNMENT, etudiant)["success"], etudiant
        assert api.generate_feedback(ASSIGNMENT, etudiant)["success"], etudiant
    return time.perf_counter() - debut


def ce_correcteur(remises, dossier):
    soumissions, _ = decouvrir(remises)
    debut = time.perf_counter()
    lignes = Correction(dossier, sortie_texte=open(os.devnull, "w")).corriger(soumissions)
    duree = time.perf_counter() - debut
    assert all(ligne["note_sur_20"] == 20 for ligne in lignes), [ligne["statut"] for ligne in lignes]
    return duree


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=6, help="nombre de copies correctes à corriger")
    args = parser.parse_args(argv)
    os.environ.update(ENVIRONNEMENT_RAPIDE)
    with tempfile.TemporaryDirectory(prefix="bench_correction_") as tmp:
        tmp = Path(tmp)
        for i in range(args.copies):
            ecrire(remise(), tmp / "remises" / f"etudiant{i:03d}.ipynb")
        print(f"{args.copies} copies correctes, mode rapide, {os.cpu_count()} cœur(s)…", flush=True)
        serie = nbgrader_seul(tmp / "remises", tmp / "nbgrader_seul")
        print(f"  nbgrader seul, en série : {serie:.0f} s", flush=True)
        parallele = ce_correcteur(tmp / "remises", tmp / "ce_correcteur")
        print(f"  ce correcteur           : {parallele:.0f} s", flush=True)
    print()
    print("| correction | secondes par copie | 30 copies (projection) |")
    print("|---|---|---|")
    for nom, duree in (("nbgrader seul, en série", serie), ("autograder.correction.classe", parallele)):
        par_copie = duree / args.copies
        print(f"| {nom} | {par_copie:.1f} | {30 * par_copie / 60:.1f} min |")
    print(f"\nAccélération : × {serie / parallele:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
