"""Relire ce que la correction a laissé dans OUT : états par remise et notebooks corrigés.

``OUT/etat/<id>.json`` : pour chaque remise, l'étudiant, ses points par vérification
(``resultat.scores``), ses remarques, son erreur éventuelle, sa durée de correction et le
chemin de son notebook corrigé (``resultat.notebook_corrige``, sous ``OUT/cours/``).
"""
import json
from dataclasses import dataclass
from pathlib import Path

from autograder.chemins import ASSIGNMENT


@dataclass(frozen=True)
class Copie:
    """Une remise notée, telle que relue dans OUT."""
    etudiant: str
    id_interne: str
    resultat: dict
    #: Notebook corrigé par nbgrader (sorties d'exécution comprises), s'il existe.
    notebook: Path | None


def _notebook_corrige(sortie: Path, id_interne: str, resultat: dict) -> Path | None:
    indique = resultat.get("notebook_corrige")
    if indique and Path(indique).is_file():
        return Path(indique)
    # Dossier de cours déplacé ou réorganisé : on cherche sous OUT/cours.
    for chemin in sorted((sortie / "cours").glob(f"**/autograded/{id_interne}/{ASSIGNMENT}/{ASSIGNMENT}.ipynb")):
        return chemin
    return None


def copies_notees(sortie: Path, etudiants) -> dict:
    """``{étudiant: Copie}`` pour les étudiants donnés (ceux de notes.csv), lus dans OUT/etat."""
    sortie, voulus, copies = Path(sortie), set(etudiants), {}
    for fichier in sorted((sortie / "etat").glob("*.json")):
        try:
            etat = json.loads(fichier.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        etudiant = etat.get("etudiant")
        if etudiant not in voulus:
            continue
        resultat = etat.get("resultat") or {}
        copies[etudiant] = Copie(etudiant, fichier.stem, resultat, _notebook_corrige(sortie, fichier.stem, resultat))
    return copies


def lire_notebook(chemin: Path | None) -> dict | None:
    """Le notebook JSON, ou ``None`` s'il est absent ou illisible."""
    if chemin is None:
        return None
    try:
        return json.loads(Path(chemin).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
