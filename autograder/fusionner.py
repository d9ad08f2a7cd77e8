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


def fusionner(parts, sortie, ecran=sys.stdout):
    sortie = Path(sortie)
    correction = Correction(sortie, sortie_texte=ecran)
    retenus = {}
    for part in map(Path, parts):
        etats = sorted((part / "etat").glob("*.json"))
        if not etats:
            raise FileNotFoundError(f"Aucun résultat dans {part} (dossier etat/ vide ou absent)")
        for fichier in etats:
            etat = json.loads(fichier.read_text(encoding="utf-8"))
            etat["_part"], etat["_fichier"] = part, fichier
            precedent = retenus.get(etat["etudiant"])
            if precedent is None or etat["date"] > precedent["date"]:
                if precedent is not None:
                    etat["remarques"] = [*etat["remarques"],
                                         f"noté dans deux parts ({precedent['_part'].name} et {part.name}) : le plus récent est gardé"]
                retenus[etat["etudiant"]] = etat
    correction.etat.mkdir(parents=True, exist_ok=True)
    for etudiant, etat in retenus.items():
        destination = correction.etat / etat["_fichier"].name
        if destination.exists():
            _archiver(destination, correction.archives)
        propre = {k: v for k, v in etat.items() if not k.startswith("_")}
        destination.write_text(json.dumps(propre, ensure_ascii=False, indent=1), encoding="utf-8")
        retour = etat["_part"] / "feedback" / f"{etudiant}.html"
        if retour.exists():
            (sortie / "feedback").mkdir(parents=True, exist_ok=True)
            shutil.copyfile(retour, sortie / "feedback" / retour.name)
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
