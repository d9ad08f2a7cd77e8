"""Le dossier de sortie d'une correction, où rien n'est écrasé sans être archivé.

``DossierSortie`` nomme ses emplacements (``etat/``, ``feedback/``, ``archives/``,
``cours/``) ; ``archiver`` met de côté, horodaté, un fichier qu'on va remplacer ;
``ecrire_atomique`` écrit un fichier d'un seul coup (jamais à moitié écrit).
"""
import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


def horodatage() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S")


def archiver(chemin: Path, archives: Path) -> Path:
    """Déplace ``chemin`` dans ``archives/`` (horodaté) ; renvoie le nouveau chemin."""
    archives.mkdir(parents=True, exist_ok=True)
    cible = archives / f"{horodatage()}-{chemin.name}"
    n = 1
    while cible.exists():
        cible = archives / f"{horodatage()}-{n}-{chemin.name}"
        n += 1
    shutil.move(str(chemin), cible)
    return cible


def ecrire_atomique(chemin, texte):
    """Écrit ``texte`` dans ``chemin`` d'un seul coup (fichier temporaire puis renommage)."""
    chemin = Path(chemin)
    temporaire = chemin.with_name(f".{chemin.name}.tmp")
    with open(temporaire, "w", encoding="utf-8", newline="") as fichier:
        fichier.write(texte)
        fichier.flush()
        os.fsync(fichier.fileno())
    os.replace(temporaire, chemin)


@dataclass(frozen=True)
class DossierSortie:
    """Emplacements d'un dossier de sortie de correction (ou de fusion)."""

    racine: Path

    def __post_init__(self):
        object.__setattr__(self, "racine", Path(self.racine))

    @property
    def etat(self) -> Path:
        return self.racine / "etat"

    @property
    def archives(self) -> Path:
        return self.racine / "archives"

    @property
    def cours(self) -> Path:
        return self.racine / "cours"

    @property
    def feedback(self) -> Path:
        return self.racine / "feedback"

    def archiver(self, chemin: Path) -> Path:
        return archiver(chemin, self.archives)
