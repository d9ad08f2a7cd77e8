"""Une classe entière de remises, corrigée une seule fois pour toute la session de tests.

Les remises sont fabriquées comme le ferait un étudiant (``tests/fabrique.py``) : le
notebook étudiant, ses ``...`` remplis, avec ou sans erreur typique, plus les remises
« hostiles » de ``tests/remises_hostiles.py``. La correction passe par la vraie commande
(``python -m autograder.corriger``), en parallèle, comme pour un enseignant.
"""
import csv
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fabrique import ERREURS_TYPIQUES, ecrire, remise  # noqa: E402

from autograder.chemins import RACINE  # noqa: E402

ETUDIANT_CORRECT = "Élodie Martin"


@dataclass
class Classe:
    """Une classe corrigée : dossier de sortie, notes.csv lu, sortie texte, remises, guetteur réseau."""
    sortie: Path
    notes: dict
    texte: str
    remises: Path
    guetteur: object


def remises_de_la_classe(dossier, port):
    """Écrit les remises de la classe dans ``dossier``."""
    from remises_hostiles import ecrire_remises_hostiles

    ecrire(remise(), dossier / f"{ETUDIANT_CORRECT}.ipynb")
    ecrire(remise(vierge=True), dossier / "vierge.ipynb")
    for nom, (erreurs, _) in ERREURS_TYPIQUES.items():
        ecrire(remise(erreurs), dossier / nom / "tp_diffusion.ipynb")
    ecrire_remises_hostiles(dossier, port)


class Guetteur:
    """Serveur TCP local qui compte les connexions (un noyau d'étudiant ne doit pas l'atteindre)."""

    def __init__(self):
        self.connexions = 0
        self.serveur = socket.create_server(("127.0.0.1", 0))
        self.port = self.serveur.getsockname()[1]
        threading.Thread(target=self._ecouter, daemon=True).start()

    def _ecouter(self):
        while True:
            try:
                client, _ = self.serveur.accept()
            except OSError:
                return
            self.connexions += 1
            client.close()


@pytest.fixture(scope="session")
def classe_corrigee(tmp_path_factory):
    """Corrige la classe ; renvoie (dossier de sortie, {étudiant: ligne de notes.csv}, sortie texte)."""
    racine = tmp_path_factory.mktemp("classe")
    remises, sortie = racine / "remises", racine / "sortie"
    remises.mkdir()
    guetteur = Guetteur()
    remises_de_la_classe(remises, guetteur.port)
    execution = subprocess.run(
        [sys.executable, "-m", "autograder.corriger", str(remises), "--sortie", str(sortie),
         "--processus", "2", "--delai-cellule", "60"],
        cwd=RACINE, capture_output=True, text=True, timeout=1800,
    )
    assert execution.returncode == 0, execution.stdout + execution.stderr
    with open(sortie / "notes.csv", encoding="utf-8", newline="") as fichier:
        notes = {ligne["student_id"]: ligne for ligne in csv.DictReader(fichier)}
    return Classe(sortie, notes, execution.stdout, remises, guetteur)
