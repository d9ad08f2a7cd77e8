"""Une classe entière de remises, corrigée une seule fois pour toute la session de tests.

Les remises sont fabriquées comme le ferait un étudiant (``autograder/remises_modeles.py``) : le
notebook étudiant, ses ``...`` remplis, avec ou sans erreur typique, plus les remises
« hostiles » de ``tests/remises_hostiles.py``. La correction passe par la vraie commande
(``python -m autograder.correction.classe``), en parallèle, comme pour un enseignant.
"""
import csv
import os
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from autograder.chemins import RACINE  # noqa: E402
from fabrique import ERREURS_TYPIQUES, ecrire, remise  # noqa: E402

ETUDIANT_CORRECT = "Élodie Martin"


def sans_insecables(texte: str) -> str:
    """Le texte avec des espaces ordinaires à la place des insécables (U+00A0, U+202F) : les
    tests qui cherchent un message par son contenu ; la typographie a son propre test."""
    return texte.replace("\u00a0", " ").replace("\u202f", " ")


# --- Ce qui manque à la machine : ignoré en local, échec en intégration continue ---------------

def en_integration_continue() -> bool:
    """Vrai sous une intégration continue (``CI=true``, comme le posent ``.ci/run`` et GitHub)."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes", "oui"}


def exiger_ou_ignorer(condition: object, raison: str) -> None:
    """Continue si ``condition`` est vraie ; sinon ignore le test en local, le fait échouer sous CI.

    Pour un test qui a besoin d'un outil de la machine (bubblewrap, Chromium, Slurm) : en
    local, il est ignoré en disant pourquoi ; en intégration continue, une suite verte doit
    avoir tout vérifié, donc c'est un échec avec la même raison. Aussi en marque :
    ``@pytest.mark.exige(condition, "raison")``.
    """
    if condition:
        return
    if en_integration_continue():
        pytest.fail(f"{raison}\n(CI={os.environ.get('CI')} : en intégration continue, ce test ne peut pas être "
                    "ignoré ; installez ce qui manque, par exemple « make paquets-systeme » en root.)",
                    pytrace=False)
    pytest.skip(raison)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "exige(condition, raison): test ignoré en local si la condition est fausse, en échec sous CI=true")


def pytest_runtest_setup(item):
    for marque in item.iter_markers("exige"):
        exiger_ou_ignorer(*marque.args, **marque.kwargs)


@dataclass
class Classe:
    """Une classe corrigée : dossier de sortie, notes.csv lu, sortie texte, remises, guetteur réseau."""
    sortie: Path
    notes: dict
    texte: str
    remises: Path
    guetteur: object
    secret: Path


def remises_de_la_classe(dossier, port, secret):
    """Écrit les remises de la classe dans ``dossier`` ; ``secret`` : fichier planté hors du
    bac à sable, que la remise ``ruse_lecture`` essaie de lire."""
    from remises_hostiles import ecrire_remises_hostiles, ecrire_remises_ruses

    ecrire(remise(), dossier / f"{ETUDIANT_CORRECT}.ipynb")
    ecrire(remise(vierge=True), dossier / "vierge.ipynb")
    for nom, (erreurs, _) in ERREURS_TYPIQUES.items():
        ecrire(remise(erreurs), dossier / nom / "tp_diffusion.ipynb")
    ecrire_remises_hostiles(dossier, port)
    ecrire_remises_ruses(dossier, secret)


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
    from remises_hostiles import SECRET_PLANTE
    # Planté dans le dossier personnel du correcteur (lisible par lui, hors de la liste blanche).
    secret = Path.home() / f".tp_diffusion_secret_{os.getpid()}"
    secret.write_text(SECRET_PLANTE, encoding="utf-8")
    remises_de_la_classe(remises, guetteur.port, secret)
    execution = subprocess.run(
        [sys.executable, "-m", "autograder.correction.classe", str(remises), "--sortie", str(sortie),
         "--processus", "2", "--delai-cellule", "60"],
        cwd=RACINE, capture_output=True, text=True, timeout=1800,
    )
    assert execution.returncode == 0, execution.stdout + execution.stderr
    with open(sortie / "notes.csv", encoding="utf-8", newline="") as fichier:
        notes = {ligne["student_id"]: ligne for ligne in csv.DictReader(fichier)}
    yield Classe(sortie, notes, execution.stdout, remises, guetteur, secret)
    secret.unlink(missing_ok=True)
