"""Fusionne les résultats de plusieurs parts (``--shard i/n``) en un seul notes.csv.

Usage ::

    python -m autograder.fusionner --sortie OUT PART1 PART2 ...   (ou make merge)

Chaque PART est le dossier de sortie d'une correction partielle (``etat/`` et
``feedback/``). Un étudiant présent dans deux parts garde son résultat le plus récent, et
``statut`` le dit. Les parts ne sont pas modifiées.
"""
import argparse
import json
import shutil
import sys
from pathlib import Path

from autograder.corriger import Correction, _archiver, ligne_de_note
from autograder.rapport import ecrire_atomique


def fusionner(parts, sortie, ecran=sys.stdout):
    sortie = Path(sortie)
    correction = Correction(sortie, sortie_texte=ecran)
    retenus = {}
    for part in map(Path, parts):
        if not part.is_dir():
            raise FileNotFoundError(f"Part introuvable : {part}")
        etats = sorted((part / "etat").glob("*.json"))
        if not etats:  # une part peut être vide (peu d'étudiants, beaucoup de parts)
            print(f"  {part} : aucun résultat (part vide ?)", file=ecran)
        for fichier in etats:
            etat = json.loads(fichier.read_text(encoding="utf-8"))
            etat["_part"], etat["_fichier"] = part, fichier
            precedent = retenus.get(etat["etudiant"])
            if precedent is not None:
                garde, ecarte = (etat, precedent) if etat["date"] > precedent["date"] else (precedent, etat)
                garde["remarques"] = [*garde["remarques"], f"noté dans deux parts ({ecarte['_part'].name} et "
                                      f"{garde['_part'].name}) : le résultat le plus récent est gardé"]
                etat = garde
            retenus[etat["etudiant"]] = etat
    correction.etat.mkdir(parents=True, exist_ok=True)
    for etudiant, etat in retenus.items():
        destination = correction.etat / etat["_fichier"].name
        if destination.exists():
            _archiver(destination, correction.archives)
        propre = {k: v for k, v in etat.items() if not k.startswith("_")}
        ecrire_atomique(destination, json.dumps(propre, ensure_ascii=False, indent=1))
        retour = etat["_part"] / "feedback" / f"{etudiant}.html"
        if retour.exists():
            cible = sortie / "feedback" / retour.name
            cible.parent.mkdir(parents=True, exist_ok=True)
            if cible.exists():
                _archiver(cible, correction.archives)
            shutil.copyfile(retour, cible)
    lignes = [ligne_de_note(e["etudiant"], e["resultat"], e["remarques"]) for e in retenus.values()]
    correction.ecrire_sorties(lignes)
    return lignes


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder.fusionner", description=__doc__.split("\n")[0])
    parser.add_argument("--sortie", "--out", type=Path, required=True, help="dossier des résultats fusionnés")
    parser.add_argument("parts", nargs="+", type=Path, help="dossiers de sortie des parts")
    args = parser.parse_args(argv)
    try:
        fusionner(args.parts, args.sortie)
    except FileNotFoundError as erreur:
        parser.error(str(erreur))
    return 0


if __name__ == "__main__":
    sys.exit(main())
