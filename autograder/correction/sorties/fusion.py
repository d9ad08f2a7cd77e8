"""Fusionne les résultats de plusieurs parts (``--shard i/n``) en un seul notes.csv.

Usage ::

    python -m autograder.correction.sorties.fusion --sortie OUT PART1 PART2 ...   (ou make merge)

Chaque PART est le dossier de sortie d'une correction partielle (``etat/`` et
``feedback/``). Un étudiant présent dans deux parts garde son résultat le plus récent, et
``statut`` le dit. Les parts ne sont pas modifiées.
"""
import argparse
import json
import shutil
import sys
from pathlib import Path

from autograder.correction.lecture.remises import nom_de_fichier
from autograder.correction.sorties.archives import DossierSortie, ecrire_atomique
from autograder.correction.sorties.finalisation import finaliser
from autograder.correction.sorties.notes import ecrire_sorties, ligne_de_note
from autograder.correction.sorties.rapport_classe import ecrire_apres_correction


def fusionner(parts, sortie, ecran=sys.stdout):
    """Réunit les parts dans ``sortie`` ; renvoie les lignes de notes.csv."""
    dossier = DossierSortie(sortie)
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
    dossier.etat.mkdir(parents=True, exist_ok=True)
    for etudiant, etat in retenus.items():
        destination = dossier.etat / etat["_fichier"].name
        if destination.exists():
            dossier.archiver(destination)
        propre = {k: v for k, v in etat.items() if not k.startswith("_")}
        ecrire_atomique(destination, json.dumps(propre, ensure_ascii=False, indent=1))
        retour = etat["_part"] / "feedback" / nom_de_fichier(etudiant, ".html")
        if retour.exists():
            cible = dossier.feedback / retour.name
            cible.parent.mkdir(parents=True, exist_ok=True)
            if cible.exists():
                dossier.archiver(cible)
            shutil.copyfile(retour, cible)
    def dire(texte):
        print(texte, file=ecran, flush=True)

    # Ajustements et retours Moodle ; pas de carnet de classe : les parts gardent leurs dossiers de cours.
    etats = [{k: v for k, v in e.items() if not k.startswith("_")} for e in retenus.values()]
    lignes = finaliser(sortie=sortie, etats=etats, ligne_de_note=ligne_de_note, dire=dire, carnet=False).lignes
    ecrire_sorties(lignes, dossier, dire)
    ecrire_apres_correction(sortie=dossier.racine, lignes=lignes, duree_s=None, dire=dire)
    return lignes


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder.correction.sorties.fusion",
                                     description=__doc__.split("\n")[0])
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
