"""Les juges de la classe : des processus neufs, lancés une fois par correction de classe, qui
importent Keras et construisent l'U-Net du maître une seule fois, puis jugent les remises
l'une après l'autre.

Usage interne (lancé par ``autograder.correction.classe`` via ``JugesDeLaClasse``) ::

    python -m autograder.correction.jugement.service DOSSIER --parent PID

Un juge par remise coûtait environ 8 s par copie (import de Keras, construction de l'U-Net) ;
un juge de la classe ne les paie qu'une fois. Comme le juge d'une remise
(``juge.py``), il n'importe ni n'exécute rien de ce qu'un étudiant a écrit : il lit des
relevés (des données, lus avec des limites : ``releves.lire_releve``, ``juge.MAX_RESEAUX``).
Ce qu'une remise lui donne ne survit pas à son jugement : espace de noms neuf, tous les poids
des réseaux réécrits, générateur de NumPy réinitialisé (``juge.juger``). La classe ne lance
des juges de la classe que si le bac à sable protège les fichiers (bubblewrap) : sinon un
noyau pourrait écrire dans leur dossier, et chaque remise a son juge.

Le dossier ``DOSSIER`` (vidé au lancement, hors de la liste blanche du bac à sable) :

- ``juge-<pid>.vivant`` : un juge lancé par la classe, effacé par elle quand il s'arrête ;
- ``<nom>.demande.json`` : une demande (écrite d'un coup, par renommage, par ``Juger``) ;
  un juge la prend en la renommant ``<nom>.<pid>.en_cours``, écrit les résultats là où la
  demande le dit, puis l'efface ; s'il échoue, il écrit ``<nom>.echec`` ;
- ``arret`` : les juges s'arrêtent.

Seule la classe arrête un juge (par son ``Popen`` : jamais un autre processus qui aurait repris
son numéro), dans ``JugesDeLaClasse.entretenir`` : un juge qui garde une demande plus de
``DUREE_MAX_JUGEMENT_S`` est arrêté et la demande reçoit un ``.echec`` ; un juge arrêté est
relancé (``MAX_RELANCES`` fois au plus). ``Juger``
(``autograder/correction/execution/preprocesseurs.py``) juge alors la remise avec un juge à
elle, comme sans juge de la classe ; il le fait aussi quand aucun juge ne prend sa demande
dans ``ATTENTE_PRISE_S``. Le verdict est le même ; la remise y perd au plus ces attentes.
"""
import argparse
import contextlib
import json
import math
import os
import subprocess
import sys
import time
import traceback
from pathlib import Path

from autograder.chemins import RACINE
from autograder.correction.sorties.archives import ecrire_atomique

#: Intervalle entre deux regards sur le dossier des demandes (secondes).
PAUSE_S = 0.05
#: Remises notées en parallèle par juge de la classe (un juge juge en ~3 s ce qu'un noyau
#: produit en ~30 s : au-delà, les demandes attendraient).
REMISES_PAR_JUGE = 4
#: À la fin de la correction, temps laissé aux juges pour s'arrêter d'eux-mêmes (secondes).
ATTENTE_ARRET_S = 10
#: Un juge qui garde une demande plus longtemps est arrêté (un jugement prend quelques secondes).
DUREE_MAX_JUGEMENT_S = 120
#: Une demande qu'aucun juge n'a prise après ce temps est jugée par un juge à elle (les juges
#: importent Keras au lancement, et d'autres demandes peuvent passer avant).
ATTENTE_PRISE_S = 90
#: Au-delà de ce nombre de relances, plus de juge de la classe : chaque remise a le sien.
MAX_RELANCES = 3


# -- côté juge --------------------------------------------------------------------------------
def vivant(pid: int) -> bool:
    """Le processus ``pid`` existe et n'est pas un zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        etat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return etat not in ("Z", "X")


def juges_vivants(dossier: Path) -> list[int]:
    """Les pid des juges de la classe en service dans ``dossier``."""
    pids = []
    for fichier in Path(dossier).glob("juge-*.vivant"):
        try:
            pid = int(fichier.stem.split("-", 1)[1])
        except ValueError:
            continue
        if vivant(pid):
            pids.append(pid)
    return pids


def prendre(dossier: Path, pid: int):
    """La plus ancienne demande en attente, prise (renommée, datée de maintenant) par ce juge :
    (nom, fichier pris), ou None. Deux juges ne prennent jamais la même (le renommage est
    atomique)."""
    en_attente = []
    for fichier in dossier.glob("*.demande.json"):
        try:
            en_attente.append((fichier.stat().st_mtime, fichier))
        except FileNotFoundError:
            continue
    for _, fichier in sorted(en_attente):
        nom = fichier.name.removesuffix(".demande.json")
        pris = dossier / f"{nom}.{pid}.en_cours"
        try:
            fichier.rename(pris)
        except FileNotFoundError:  # prise par un autre juge, ou retirée
            continue
        os.utime(pris)  # la classe mesure la durée du jugement depuis la prise
        return nom, pris
    return None


def servir(dossier: Path, *, parent: int | None = None) -> int:
    """Juge les demandes de ``dossier`` jusqu'à ``arret`` (ou la fin du processus ``parent``)."""
    from autograder.correction.jugement import juge

    dossier.mkdir(parents=True, exist_ok=True)
    pid = os.getpid()
    marque = dossier / f"juge-{pid}.vivant"
    marque.touch()
    try:
        juge.prechauffer()
        while not (dossier / "arret").exists() and (parent is None or vivant(parent)):
            prise = prendre(dossier, pid)
            if prise is None:
                time.sleep(PAUSE_S)
                continue
            nom, pris = prise
            try:
                demande = json.loads(pris.read_text(encoding="utf-8"))
                if vivant(demande.get("demandeur", pid)):  # personne n'attend plus : rien à juger
                    juge.ecrire_resultats(demande)
            except Exception:  # noqa: BLE001 (la remise sera jugée par un juge à elle)
                (dossier / f"{nom}.echec").write_text(traceback.format_exc()[-4000:], encoding="utf-8")
            finally:
                pris.unlink(missing_ok=True)
    finally:
        marque.unlink(missing_ok=True)
    return 0


# -- côté remise (Juger) ----------------------------------------------------------------------
def faire_juger(dossier: Path, nom: str, demande: dict, *, delai: float,
                attente_prise: float = ATTENTE_PRISE_S) -> dict | None:
    """Les résultats de ``demande`` par un juge de la classe de ``dossier``, ou None : aucun
    n'est en service, aucun ne la prend dans ``attente_prise`` secondes, celui qui l'a prise a
    échoué ou a été arrêté par la classe (``.echec``), ou ``delai`` est passé."""
    dossier = Path(dossier)
    resultats = Path(demande["resultats"])
    resultats.unlink(missing_ok=True)
    echec = dossier / f"{nom}.echec"
    echec.unlink(missing_ok=True)
    if not juges_vivants(dossier):
        return None
    fichier = dossier / f"{nom}.demande.json"
    ecrire_atomique(fichier, json.dumps({**demande, "demandeur": os.getpid()}, ensure_ascii=False))
    debut = time.monotonic()
    try:
        while True:
            if resultats.exists():
                return json.loads(resultats.read_text(encoding="utf-8"))
            if echec.exists():
                return None
            attendue = fichier.exists()  # sinon prise (ou le juge vient de finir : résultats au tour suivant)
            if attendue and (not juges_vivants(dossier) or time.monotonic() - debut > attente_prise):
                return None
            if time.monotonic() - debut > delai:
                return None
            time.sleep(PAUSE_S)
    finally:
        fichier.unlink(missing_ok=True)


# -- côté classe ------------------------------------------------------------------------------
class JugesDeLaClasse:
    """Les juges de la classe d'une correction (``with`` : démarrés, puis arrêtés) ;
    ``entretenir`` arrête ceux qui jugent trop longtemps et relance ceux qui se sont arrêtés."""

    def __init__(self, dossier: Path, *, remises_en_parallele: int, environnement: dict):
        self.dossier = Path(dossier)
        self.nombre = max(1, math.ceil(remises_en_parallele / REMISES_PAR_JUGE))
        self.environnement = environnement
        self.processus: list[subprocess.Popen | None] = []
        self.relances = 0

    def _lancer(self):
        journal = open(self.dossier / "juges.log", "a", encoding="utf-8")
        with journal:
            processus = subprocess.Popen(
                [sys.executable, "-m", "autograder.correction.jugement.service", str(self.dossier),
                 "--parent", str(os.getpid())],
                cwd=RACINE, env=self.environnement, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=journal)
        # En service dès maintenant : les demandes attendent qu'il ait importé Keras.
        (self.dossier / f"juge-{processus.pid}.vivant").touch()
        return processus

    def __enter__(self):
        self.dossier.mkdir(parents=True, exist_ok=True)
        for ancien in self.dossier.iterdir():  # d'une correction précédente dans le même OUT
            if ancien.name != "juges.log" and ancien.is_file():
                ancien.unlink()
        self.processus = [self._lancer() for _ in range(self.nombre)]
        return self

    def entretenir(self):
        """Arrête un juge qui garde une demande plus de ``DUREE_MAX_JUGEMENT_S`` (la demande
        reçoit un ``.echec``), range un juge arrêté et le relance (``MAX_RELANCES`` fois)."""
        for i, processus in enumerate(self.processus):
            if processus is None:
                continue
            prises = list(self.dossier.glob(f"*.{processus.pid}.en_cours"))
            trop_long = []
            for prise in prises:
                with contextlib.suppress(FileNotFoundError):
                    if time.time() - prise.stat().st_mtime > DUREE_MAX_JUGEMENT_S:
                        trop_long.append(prise)
            if processus.poll() is None and not trop_long:
                continue
            if processus.poll() is None:
                processus.kill()
            processus.wait()
            raison = f"juge de la classe arrêté après {DUREE_MAX_JUGEMENT_S} s" if trop_long else \
                f"juge de la classe arrêté (code {processus.returncode})"
            for prise in prises:
                nom = prise.name.split(".", 1)[0]
                (self.dossier / f"{nom}.echec").write_text(raison, encoding="utf-8")
                prise.unlink(missing_ok=True)
            (self.dossier / f"juge-{processus.pid}.vivant").unlink(missing_ok=True)
            if self.relances < MAX_RELANCES:
                self.processus[i] = self._lancer()
                self.relances += 1
            else:
                self.processus[i] = None

    def __exit__(self, *exc):
        (self.dossier / "arret").touch()
        fin = time.monotonic() + ATTENTE_ARRET_S
        for processus in filter(None, self.processus):
            try:
                processus.wait(timeout=max(0.1, fin - time.monotonic()))
            except subprocess.TimeoutExpired:
                processus.kill()
                processus.wait()
            (self.dossier / f"juge-{processus.pid}.vivant").unlink(missing_ok=True)
        return False


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder.correction.jugement.service")
    parser.add_argument("dossier", type=Path)
    parser.add_argument("--parent", type=int, default=None, help="s'arrêter quand ce processus s'arrête")
    args = parser.parse_args(argv)
    return servir(args.dossier, parent=args.parent)


if __name__ == "__main__":
    sys.exit(main())
