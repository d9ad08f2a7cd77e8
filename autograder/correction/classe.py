"""Corrige toute une classe en une commande (``make grade SUBMISSIONS=<dossier> [OUT=<dossier>]``).

Usage ::

    python -m autograder.correction.classe <dossier des remises> [--sortie OUT] [--shard i/n]
                                  [--processus N] [--delai-cellule S] [--delai-copie S]

Chaque remise est notée par nbgrader dans son propre dossier de cours et son propre
processus (``autograder.correction.remise``), plusieurs à la fois (un par cœur par défaut).
Sorties dans OUT (par défaut ``build/grading/<date-heure>/``) : ``notes.csv``,
``moodle.csv``, ``feedback/<étudiant>.html``, ``resume.png`` et le dossier de cours
nbgrader ``cours/``. Relancée sur le même OUT, la correction reprend là où elle s'était
arrêtée : les remises déjà notées et inchangées ne sont pas recorrigées, et rien n'est
écrasé sans être archivé dans ``OUT/archives/``.
"""
import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from importlib import metadata
from pathlib import Path

from autograder.chemins import BUILD, NOTEBOOK_MAITRE, RACINE
from autograder.correction.execution.sandbox import detecter_bac_a_sable, message_bac_a_sable
from autograder.correction.jugement.references import IMAGES
from autograder.correction.jugement.service import JugesDeLaClasse
from autograder.correction.lecture.remises import decouvrir, nom_de_fichier, selectionner_part
from autograder.correction.sorties.ajustements import choisir_etudiant
from autograder.correction.sorties.archives import DossierSortie, ecrire_atomique, horodatage
from autograder.correction.sorties.fiche_moodle import COMMENT_OBTENIR, FicheInvalide, remplir_depuis_sortie
from autograder.correction.sorties.finalisation import finaliser
from autograder.correction.sorties.notes import ecrire_sorties, ligne_de_note
from autograder.correction.sorties.rapport import page_sans_notebook
from autograder.correction.sorties.rapport_classe import ecrire_apres_correction
from autograder.cours import preparer_cours
from autograder.environnement import ENVIRONNEMENT_RAPIDE

#: Délai total pour une remise (tout le notebook, toutes tentatives comprises).
DELAI_COPIE_S = 900


def _version_correction():
    """Empreinte du TP et du correcteur : un résultat obtenu avec une autre version est refait."""
    empreinte = hashlib.sha256(json.dumps(ENVIRONNEMENT_RAPIDE, sort_keys=True).encode())
    for fichier in [NOTEBOOK_MAITRE, *sorted((RACINE / "autograder").rglob("*.py"))]:
        empreinte.update(fichier.read_bytes())
    return empreinte.hexdigest()[:16]


VERSION = _version_correction()

#: Valeurs de référence déjà calculées, une par version du TP, du correcteur et des
#: bibliothèques (``_cle_references``) : une autre classe, une part Slurm ou une reprise les
#: reprennent au lieu de réentraîner le U-Net de référence.
CACHE_REFERENCES = BUILD / "cache" / "references"


def _cle_references():
    """VERSION, plus Python et les versions des bibliothèques qui calculent les références."""
    def version(*noms):
        for nom in noms:
            try:
                return f"{nom} {metadata.version(nom)}"
            except metadata.PackageNotFoundError:
                continue
        return f"{noms[0]} absent"
    versions = [sys.version, version("tensorflow-cpu", "tensorflow"), version("keras"), version("numpy"),
                version("mlxtend")]
    return hashlib.sha256("\n".join([VERSION, *versions]).encode()).hexdigest()[:16]


class Correction:
    """Une correction de classe dans un dossier de sortie (reprise possible)."""

    def __init__(self, sortie, processus=None, delai_cellule=None, delai_copie=DELAI_COPIE_S, sortie_texte=sys.stdout):
        self.sortie = Path(sortie).resolve()  # relatif, le bac à sable ne monterait pas le dossier de la copie
        self.processus = max(1, processus or len(os.sched_getaffinity(0)))
        self.delai_cellule = delai_cellule
        self.delai_copie = delai_copie
        self.ecran = sortie_texte
        self.debut = time.monotonic()
        self.dossier = DossierSortie(self.sortie)
        self.etat, self.archives, self.cours = self.dossier.etat, self.dossier.archives, self.dossier.cours
        #: Avec ``--etudiant`` : le seul étudiant à recorriger (les autres gardent leur résultat).
        self.etudiant_seul = None
        #: Avec ``--fiche`` : la feuille d'évaluation hors ligne du devoir Moodle à remplir.
        self.fiche = None
        #: Les juges de la classe pendant la correction (``jugement/service.py``).
        self.juges = None

    def dire(self, texte):
        print(texte, file=self.ecran, flush=True)

    # -- état persistant -------------------------------------------------------------------
    def _fichier_etat(self, soumission):
        return self.etat / f"{soumission.id_interne}.json"

    def etat_valide(self, soumission):
        """Résultat déjà obtenu pour cette remise, si elle n'a pas changé depuis."""
        fichier = self._fichier_etat(soumission)
        if not fichier.exists():
            return None
        try:
            etat = json.loads(fichier.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            self.dossier.archiver(fichier)
            return None
        if etat.get("a_refaire"):
            raison = "la correction précédente n'avait pas abouti"
        elif etat.get("version") != VERSION:
            raison = "le TP ou le correcteur a changé depuis la correction précédente"
        elif etat.get("empreinte") != soumission.empreinte() or etat.get("etudiant") != soumission.etudiant:
            raison = "remise modifiée depuis la correction précédente"
        else:
            return etat
        ancien = self.dossier.archiver(fichier)
        self.dire(f"  {soumission.etudiant} : {raison} (ancien résultat archivé : {ancien.relative_to(self.sortie)})")
        return None

    # -- une remise = un processus ---------------------------------------------------------
    def _lancer(self, soumission, gabarit):
        travail = self.cours / "travail" / soumission.id_interne
        travail.parent.mkdir(parents=True, exist_ok=True)
        demande = {
            "soumission": str(soumission.chemin.resolve()),
            "id_interne": soumission.id_interne,
            "gabarit": str(gabarit),
            "cours": str(travail),
            "resultat": str(travail.parent / f"{soumission.id_interne}.resultat.json"),
            "delai_cellule": self.delai_cellule,
            "service": str(self.juges.dossier) if self.juges else "",
        }
        Path(demande["resultat"]).unlink(missing_ok=True)
        fichier_demande = travail.parent / f"{soumission.id_interne}.demande.json"
        fichier_demande.write_text(json.dumps(demande, ensure_ascii=False), encoding="utf-8")
        environnement = self._environnement()
        journal = open(travail.parent / f"{soumission.id_interne}.log", "w", encoding="utf-8")
        processus = subprocess.Popen(
            [sys.executable, "-m", "autograder.correction.remise", str(fichier_demande)],
            cwd=RACINE, env=environnement, stdout=journal, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        return {"soumission": soumission, "processus": processus, "debut": time.monotonic(),
                "demande": demande, "journal": journal}

    def _terminer(self, tache, expire):
        soumission, demande = tache["soumission"], tache["demande"]
        tache["journal"].close()
        resultat_fichier = Path(demande["resultat"])
        a_refaire = True  # incident de la correction elle-même : à retenter à la prochaine reprise
        if expire:
            resultat = {"scores": {}, "remarques": [], "erreur":
                        f"correction arrêtée après {self.delai_copie} s (notebook trop long) : notée 0"}
        elif resultat_fichier.exists():
            resultat = json.loads(resultat_fichier.read_text(encoding="utf-8"))
            a_refaire = bool(resultat.get("a_refaire"))
        else:
            resultat = {"scores": {}, "remarques": [], "erreur":
                        f"le processus de correction s'est arrêté (code {tache['processus'].returncode}) : notée 0"}
        retour = resultat.get("retour_html")
        destination = self.dossier.feedback / nom_de_fichier(soumission.etudiant, ".html")
        destination.parent.mkdir(parents=True, exist_ok=True)
        if destination.exists():
            self.dossier.archiver(destination)
        if retour and Path(retour).exists():
            shutil.copyfile(retour, destination)
        else:  # remise illisible ou correction impossible : le retour dit pourquoi
            ligne = ligne_de_note(soumission.etudiant, resultat, soumission.remarques)
            ecrire_atomique(destination, page_sans_notebook(soumission.etudiant, ligne["statut"], ligne["note_sur_20"]))
        etat = {"etudiant": soumission.etudiant, "empreinte": soumission.empreinte(), "version": VERSION,
                "a_refaire": a_refaire,
                "participant": soumission.participant, "nom_complet": soumission.nom_complet,
                "fichier": str(soumission.chemin), "remarques": soumission.remarques, "resultat": resultat,
                "date": datetime.now().isoformat(timespec="seconds")}
        self.etat.mkdir(parents=True, exist_ok=True)
        ecrire_atomique(self._fichier_etat(soumission), json.dumps(etat, ensure_ascii=False, indent=1))
        return etat

    @staticmethod
    def _tuer(processus):
        try:
            os.killpg(processus.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        processus.wait()

    def _barre(self, fait, total):
        largeur = 24
        plein = int(largeur * fait / total) if total else largeur
        return f"[{'#' * plein}{'-' * (largeur - plein)}] {fait}/{total}"

    # -- la classe -------------------------------------------------------------------------
    def corriger(self, soumissions, ignores=()):
        self.sortie.mkdir(parents=True, exist_ok=True)
        verrou = open(self.sortie / ".verrou", "w")
        try:  # deux corrections dans le même dossier se détruiraient l'une l'autre
            fcntl.flock(verrou, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(f"Une autre correction utilise déjà {self.sortie} : "
                               "attendez-la ou choisissez un autre OUT.") from None
        try:
            return self._corriger(soumissions, ignores)
        finally:
            verrou.close()

    def _corriger(self, soumissions, ignores):
        self.dire(f"Dossier des résultats : {self.sortie} (relancez avec le même dossier pour reprendre)")
        self.dire(message_bac_a_sable())
        for fichier in ignores:
            self.dire(f"  ignoré (pas un notebook) : {fichier.name}")
        etats, a_faire = {}, []
        for soumission in soumissions:
            if self.etudiant_seul is not None:
                etat = self.etat_pour_un_seul(soumission)
                if etat is False:
                    continue
            else:
                etat = self.etat_valide(soumission)
            if etat:
                etats[soumission.etudiant] = etat
            else:
                a_faire.append(soumission)
        if etats:
            self.dire(f"Reprise : {len(etats)} remise(s) déjà notée(s) et inchangée(s), {len(a_faire)} à noter.")
        if a_faire:
            self._noter_en_parallele(a_faire, etats, total=len(soumissions))
        # Carnet de la classe, ajustements, notes saisies dans formgrader, retours Moodle.
        lignes = finaliser(sortie=self.sortie, etats=list(etats.values()), ligne_de_note=ligne_de_note,
                           dire=self.dire).lignes
        ecrire_sorties(lignes, self.dossier, self.dire)
        self._remplir_fiche()
        ecrire_apres_correction(sortie=self.sortie, lignes=lignes, duree_s=time.monotonic() - self.debut,
                                dire=self.dire)
        return lignes

    def _remplir_fiche(self):
        """``OUT/fiche_notes.csv`` avec ``--fiche`` ; sinon, une ligne dit comment l'obtenir."""
        if self.fiche is None:
            self.dire(COMMENT_OBTENIR)
            return
        try:
            self.dire(remplir_depuis_sortie(fiche=self.fiche, notes=self.sortie / "notes.csv",
                                            sortie=self.sortie, etats=self.etat).message())
        except FicheInvalide as erreur:
            self.dire(f"Feuille d'évaluation non remplie : {erreur}")

    def etat_pour_un_seul(self, soumission):
        """Avec ``--etudiant`` : None (à recorriger) pour lui, l'état existant tel quel pour les
        autres, False pour un autre étudiant jamais noté dans ce OUT (laissé de côté)."""
        fichier = self._fichier_etat(soumission)
        if soumission.etudiant == self.etudiant_seul:
            if fichier.exists():
                ancien = self.dossier.archiver(fichier)
                self.dire(f"  {soumission.etudiant} : recorrigé à la demande (ancien résultat archivé : "
                          f"{ancien.relative_to(self.sortie)})")
            return None
        try:
            return json.loads(fichier.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            self.dire(f"  {soumission.etudiant} : jamais noté dans ce dossier, laissé de côté (--etudiant)")
            return False

    def _environnement(self):
        """Variables des processus de correction : mode rapide, dépôt importable."""
        environnement = {**os.environ, **ENVIRONNEMENT_RAPIDE}
        environnement["PYTHONPATH"] = os.pathsep.join(filter(None, [str(RACINE), os.environ.get("PYTHONPATH")]))
        return environnement

    def _preparer_references(self, dossier):
        """Valeurs de référence de la classe (code du maître, mode rapide) : voir
        ``autograder.correction.jugement.references``. Calculées une fois par version (``CACHE_REFERENCES``),
        dans un dossier temporaire renommé d'un coup : deux corrections simultanées (parts
        Slurm) ne lisent jamais un calcul à moitié écrit."""
        cache = CACHE_REFERENCES / _cle_references()
        if (cache / "entrees").is_dir():
            self.dire(f"Valeurs de référence : déjà calculées pour cette version ({cache})")
        else:
            self.dire("Valeurs de référence (code du maître, entraînement court)…")
            CACHE_REFERENCES.mkdir(parents=True, exist_ok=True)
            calcul = Path(tempfile.mkdtemp(prefix=".calcul-", dir=CACHE_REFERENCES))
            fini = subprocess.run([sys.executable, "-m", "autograder.correction.jugement.references",
                                   str(calcul / "entrees")],
                                  cwd=RACINE, env=self._environnement(), capture_output=True, text=True)
            if fini.returncode != 0:
                shutil.rmtree(calcul, ignore_errors=True)
                raise RuntimeError(f"Valeurs de référence impossibles à calculer :\n{fini.stderr[-3000:]}")
            try:
                calcul.rename(cache)
            except OSError:  # une autre correction les a rangées entre-temps : les siennes valent les nôtres
                shutil.rmtree(calcul, ignore_errors=True)
        shutil.copytree(cache / "entrees", dossier, dirs_exist_ok=True)
        shutil.copy2(cache / IMAGES, dossier.parent / IMAGES)

    def _noter_en_parallele(self, a_faire, etats, *, total):
        """Note ``a_faire`` (``self.processus`` à la fois) et range chaque état dans ``etats``."""
        gabarit = self.cours / "gabarit"
        if gabarit.exists():
            shutil.rmtree(gabarit)
        # Les juges de la classe importent Keras pendant que le cours et les références se préparent.
        # Seulement si le bac à sable protège les fichiers : sinon un noyau pourrait écrire dans
        # leur dossier, et chaque remise a son juge (jugement/service.py).
        if detecter_bac_a_sable().fichiers_proteges:
            juges = JugesDeLaClasse(self.cours / "juges", remises_en_parallele=min(self.processus, len(a_faire)),
                                    environnement=self._environnement())
        else:
            self.dire("Juges : un par remise (le bac à sable ne protège pas les fichiers).")
            juges = contextlib.nullcontext()
        with juges as self.juges:
            try:
                preparer_cours(gabarit, NOTEBOOK_MAITRE)
                self._preparer_references(gabarit / "entrees")
                self.dire(f"Correction de {len(a_faire)} remise(s), {self.processus} à la fois…")
                self._noter(a_faire, etats, fait=len(etats), total=total, gabarit=gabarit)
            finally:
                if self.juges and self.juges.relances:
                    self.dire(f"  (juges de la classe relancés {self.juges.relances} fois)")
                self.juges = None

    def _noter(self, a_faire, etats, *, fait, total, gabarit):
        """Une remise par processus, ``self.processus`` à la fois ; barre de progression."""
        en_attente, en_cours = list(a_faire), []
        try:
            while en_attente or en_cours:
                while en_attente and len(en_cours) < self.processus:
                    en_cours.append(self._lancer(en_attente.pop(0), gabarit))
                time.sleep(0.2)
                if self.juges:
                    self.juges.entretenir()
                for tache in list(en_cours):
                    expire = tache["processus"].poll() is None and time.monotonic() - tache["debut"] > self.delai_copie
                    if tache["processus"].poll() is None and not expire:
                        continue
                    if expire:
                        self._tuer(tache["processus"])
                    en_cours.remove(tache)
                    etat = self._terminer(tache, expire)
                    etats[etat["etudiant"]] = etat
                    fait += 1
                    ligne = ligne_de_note(etat["etudiant"], etat["resultat"], etat["remarques"])
                    self.dire(f"{self._barre(fait, total)} {etat['etudiant']} : {ligne['note_sur_20']:g}/20"
                              + ("" if ligne["statut"] == "ok" else f" ({ligne['statut']})"))
        except BaseException:
            for tache in en_cours:
                self._tuer(tache["processus"])
                tache["journal"].close()
            self.dire(f"Correction interrompue : relancez-la avec le même dossier de sortie "
                      f"(--sortie {self.sortie}) pour reprendre.")
            raise


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder.correction.classe", description=__doc__.split("\n")[0])
    parser.add_argument("soumissions", type=Path, help="dossier des remises (<étudiant>.ipynb ou <étudiant>/*.ipynb)")
    parser.add_argument("--sortie", "--out", type=Path,
                        help="dossier des résultats (défaut : build/grading/<date-heure>)")
    parser.add_argument("--shard",
                        help="ne noter que la part i/n de la classe (tableau de tâches Slurm, Job Kubernetes)")
    parser.add_argument("--processus", type=int, default=None,
                        help="remises notées en parallèle (défaut : nombre de cœurs)")
    parser.add_argument("--delai-cellule", type=int, default=None, help="délai par cellule, en secondes (défaut : 120)")
    parser.add_argument("--delai-copie", type=int, default=DELAI_COPIE_S, help="délai total par remise, en secondes")
    parser.add_argument("--etudiant", help="ne recorriger que cet étudiant (les autres gardent leur résultat)")
    parser.add_argument("--fiche", type=Path, default=None, help="feuille d'évaluation hors ligne téléchargée du "
                        "devoir Moodle, à remplir dans OUT/fiche_notes.csv")
    args = parser.parse_args(argv)
    try:
        soumissions, ignores = decouvrir(args.soumissions)
    except FileNotFoundError as erreur:
        parser.error(str(erreur))
    if args.shard:
        try:
            soumissions = selectionner_part(soumissions, args.shard)
        except ValueError as erreur:
            parser.error(str(erreur))
        print(f"Part {args.shard} : {len(soumissions)} remise(s).")
    sortie = args.sortie or BUILD / "grading" / horodatage()
    correction = Correction(sortie, args.processus, args.delai_cellule, args.delai_copie)
    correction.fiche = args.fiche
    if args.etudiant is not None:
        try:
            correction.etudiant_seul = choisir_etudiant([s.etudiant for s in soumissions], args.etudiant)
        except ValueError as erreur:
            print(erreur, file=sys.stderr)
            return 2
    try:
        correction.corriger(soumissions, ignores)
    except RuntimeError as erreur:
        print(erreur, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
