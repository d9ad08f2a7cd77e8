"""Préprocesseurs nbgrader de la correction (autograde et retours aux étudiants).

Chacun a une seule tâche et s'enregistre dans ``autograder/nbgrader_config.py`` ou dans
la configuration construite par ``autograder.correction.remise``.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from nbformat.v4 import new_output
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor
from traitlets import Dict, Integer, Unicode

from autograder.cellules import grade_id, meta_nbgrader, sources_du_code
from autograder.chemins import RACINE
from autograder.correction.execution.carnet_execution import INDICE, carnet_execution, reporter_sorties
from autograder.correction.execution.releves import OUTILS, tirer_variante, verifications
from autograder.correction.execution.sandbox import SandboxExecute
from autograder.correction.jugement.references import IMAGES
from autograder.correction.jugement.service import faire_juger, juges_vivants
from autograder.correction.sorties.archives import ecrire_atomique


class MasquerTestsCaches(NbGraderPreprocessor):
    """Retire des retours tout ce qui trahirait un test caché (nbgrader #917, #1363).

    nbgrader remet le code des tests cachés dans le notebook corrigé, et donc dans le
    retour HTML. Ici, pour chaque cellule de vérification : les régions
    ``BEGIN/END HIDDEN TESTS`` sont retirées de la source, et la trace d'une erreur
    (qui cite les lignes fautives, cachées comprises) est réduite à son message.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        meta = meta_nbgrader(cell)
        if not meta.get("grade") or meta.get("solution"):
            return cell, resources
        cell, resources = ClearHiddenTests(enforce_metadata=False).preprocess_cell(cell, resources, cell_index)
        if cell.cell_type == "code":
            for sortie in cell.outputs:
                if sortie.output_type == "error":
                    sortie.traceback = [f"{sortie.ename}: {sortie.evalue}"]
        return cell, resources


class LimiterSorties(NbGraderPreprocessor):
    """Plafonne le volume des sorties d'une cellule (milliers de figures, mégaoctets imprimés).

    Complète ``LimitOutput`` de nbgrader, qui ne limite que le nombre de lignes.
    """

    max_sorties = Integer(30, help="Nombre maximal de sorties gardées par cellule").tag(config=True)
    max_octets = Integer(2_000_000, help="Taille maximale des sorties d'une cellule (octets)").tag(config=True)

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type != "code" or not cell.outputs:
            return cell, resources
        gardees, taille, coupe = [], 0, False
        for sortie in cell.outputs:
            poids = len(json.dumps(sortie, ensure_ascii=False))
            if sortie.output_type == "error" or (len(gardees) < self.max_sorties and taille + poids <= self.max_octets):
                gardees.append(sortie)
                taille += poids if sortie.output_type != "error" else 0
            else:
                coupe = True
        if coupe:
            gardees.append(new_output("stream", name="stdout", text=(
                f"[Sorties tronquées à la correction : plus de {self.max_sorties} sorties "
                f"ou de {self.max_octets // 1_000_000} Mo dans cette cellule.]\n")))
        cell.outputs = gardees
        return cell, resources


class ExecuteSuivi(SandboxExecute):
    """``Execute`` de nbgrader, dans le bac à sable, qui note la cellule en cours d'exécution.

    Le noyau tourne dans le bac à sable de ``autograder.correction.execution.sandbox`` (réglages :
    ``c.SandboxKernelManager``).
    Si le noyau meurt (``os._exit``, mémoire épuisée) ou ne répond plus, nbgrader abandonne
    tout le notebook ; ce fichier dit à ``autograder.correction.remise`` quelle cellule neutraliser
    avant de recommencer, pour que les autres exercices soient quand même notés.
    """

    fichier_suivi = Unicode("", help="Fichier où écrire l'indice de la cellule en cours").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if self.fichier_suivi:
            Path(self.fichier_suivi).write_text(json.dumps({
                "indice": cell.metadata.get(INDICE, index),
                "grade_id": grade_id(cell),
                "pid": os.getpid(),
            }))
        return super().preprocess_cell(cell, resources, index)


#: Aide du réglage ``service`` de ExecuterReleves et de Juger.
AIDE_SERVICE = ("Dossier des juges de la classe (autograder.correction.jugement.service) ; vide, ou aucun "
                "juge en service : un juge pour cette seule remise")

#: Clé des ``resources`` nbgrader où ExecuterReleves laisse le processus du juge à Juger.
CLE_JUGE = "juge_en_attente"
#: Le juge attend sa demande au plus ce temps (le délai d'une remise, voir classe.DELAI_COPIE_S).
ATTENTE_JUGE_S = 1800


#: Clé des ``resources`` : le dossier du noyau et les paramètres tirés, quand la configuration
#: ne les donne pas (nbgrader utilisé seul, sans ``autograder.correction.remise``).
CLE_DOSSIER = "dossier_execution"
CLE_PARAMETRES = "parametres_variante"


def dossier_execution(configure: str, resources) -> Path:
    """Le dossier du noyau : celui de la configuration, sinon un dossier neuf et vide, créé à
    côté du notebook corrigé et gardé pour Juger (jamais le dossier du notebook lui-même, qui
    contient le notebook avec ses tests cachés)."""
    if configure:
        return Path(configure)
    if CLE_DOSSIER not in resources:
        parent = Path(resources.get("metadata", {}).get("path") or ".").resolve().parent
        resources[CLE_DOSSIER] = tempfile.mkdtemp(prefix="execution-", dir=parent)
    return Path(resources[CLE_DOSSIER])


def fichiers_du_juge(dossier: Path) -> tuple[Path, Path]:
    """(demande, résultats) du juge d'une remise, à côté du dossier du noyau (hors de sa vue)."""
    return dossier.parent / "demande_juge.json", dossier.parent / "jugement.json"


def lancer_juge(dossier: Path) -> subprocess.Popen:
    """Le processus du juge, qui se prépare puis attend sa demande."""
    demande, resultats = fichiers_du_juge(dossier)
    demande.unlink(missing_ok=True)
    resultats.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": str(RACINE), "TF_CPP_MIN_LOG_LEVEL": "3"}
    with open(dossier.parent / "juge.log", "w", encoding="utf-8") as journal:  # pas de tube à remplir
        return subprocess.Popen([sys.executable, "-m", "autograder.correction.jugement.juge", str(demande),
                                 "--attendre", str(ATTENTE_JUGE_S)], cwd=RACINE, env=env,
                                stdout=subprocess.DEVNULL, stderr=journal)


class ExecuterReleves(NbGraderPreprocessor):
    """Premier temps de la correction : le noyau de l'étudiant, dans le bac à sable, exécute le
    carnet d'exécution (``autograder.correction.execution.carnet_execution``) dans ``dossier`` (son seul
    dossier : ``entrees/`` préparé par le correcteur, ``releves/`` qu'il écrit). Les sorties
    des cellules de l'étudiant et des cellules fournies reviennent dans le notebook ; celles
    des vérifications viendront du juge (``Juger``)."""

    dossier = Unicode("", help="Dossier de travail du noyau (entrees/, releves/)").tag(config=True)
    parametres_variante = Dict(help="T, beta_1, beta_T tirés pour relancer les exercices 1 et 2").tag(config=True)
    service = Unicode("", help=AIDE_SERVICE).tag(config=True)

    def preprocess(self, nb, resources):
        dossier = dossier_execution(self.dossier, resources)
        shutil.rmtree(dossier / "releves", ignore_errors=True)  # essai précédent
        verifs = verifications(nb.cells, sources_du_code(nb.cells).get(OUTILS, ""))
        parametres = self.parametres_variante or tirer_variante(np.random.default_rng())
        resources[CLE_PARAMETRES] = parametres
        carnet = carnet_execution(nb, verifs, parametres_variante=parametres)
        # Sans juge de la classe, le juge de cette remise démarre dès maintenant (import de
        # Keras) et attend sa demande (voir Juger).
        juge = None if self.service and juges_vivants(Path(self.service)) else lancer_juge(dossier)
        try:
            executeur = ExecuteSuivi(parent=self.parent, config=self.config)
            carnet, _ = executeur.preprocess(carnet, {"metadata": {"path": str(dossier)}})
        except BaseException:
            if juge is not None:
                juge.kill()
                juge.wait()
            raise
        reporter_sorties(carnet, nb)
        resources[CLE_JUGE] = juge
        return nb, resources


class Juger(NbGraderPreprocessor):
    """Second temps : un juge de la classe (``jugement/service.py``), sinon un juge pour cette
    seule remise (``python -m autograder.correction.jugement.juge``) : un processus qui n'a
    jamais exécuté de code d'étudiant exécute les vérifications du maître (tests cachés
    compris) sur les relevés ; sa sortie devient celle de chaque cellule notée (une erreur :
    0 point)."""

    dossier = Unicode("", help="Dossier de travail du noyau (releves/ y est lu)").tag(config=True)
    parametres_variante = Dict(help="Les paramètres tirés (voir ExecuterReleves)").tag(config=True)
    delai = Integer(300, help="Délai du juge, en secondes").tag(config=True)
    service = Unicode("", help=AIDE_SERVICE).tag(config=True)

    def preprocess(self, nb, resources):
        sources = sources_du_code(nb.cells)
        verifs = verifications(nb.cells, sources.get(OUTILS, ""))
        dossier = dossier_execution(self.dossier, resources)
        _, fichier_resultats = fichiers_du_juge(dossier)
        demande = {
            "releves": str(dossier / "releves"),
            "resultats": str(fichier_resultats),
            "images": str(dossier.parent / IMAGES),
            "outils": sources.get(OUTILS, ""),
            "unet": sources.get("unet", ""),
            "variante": self.parametres_variante or resources.get(CLE_PARAMETRES, {}),
            "verifications": [{"grade_id": v.grade_id, "jugement": v.jugement, "noms": v.noms} for v in verifs],
        }
        juge = resources.pop(CLE_JUGE, None)
        resultats = None
        if juge is None and self.service:
            try:
                resultats = faire_juger(Path(self.service), dossier.parent.name, demande, delai=self.delai)
            except Exception as erreur:  # noqa: BLE001 (disque, droits… : le juge de la remise, plutôt qu'un échec)
                self.log.warning("Juges de la classe injoignables (%s) : un juge pour cette remise", erreur)
        if resultats is None:  # pas de juge de la classe, ou il n'a pas jugé : un juge à elle
            resultats = self._juge_de_la_remise(juge or lancer_juge(dossier), demande, dossier)
        for cellule in nb.cells:
            resultat = resultats.get(grade_id(cellule))
            if resultat is None:
                continue
            cellule.outputs = []
            if resultat["sortie"]:
                cellule.outputs.append(new_output("stream", name="stdout", text=resultat["sortie"]))
            if resultat["erreur"]:
                e = resultat["erreur"]
                cellule.outputs.append(new_output("error", ename=e["ename"], evalue=e["evalue"],
                                                  traceback=[f"{e['ename']}: {e['evalue']}"]))
        return nb, resources

    def _juge_de_la_remise(self, juge: subprocess.Popen, demande: dict, dossier: Path) -> dict:
        """Les résultats du juge lancé pour cette seule remise (``lancer_juge``)."""
        fichier, fichier_resultats = fichiers_du_juge(dossier)
        ecrire_atomique(fichier, json.dumps(demande, ensure_ascii=False))  # le juge ne lit qu'une demande complète
        try:
            juge.wait(timeout=self.delai)
        except subprocess.TimeoutExpired:
            juge.kill()
            juge.wait()
        if juge.returncode != 0 or not fichier_resultats.exists():
            journal = (dossier.parent / "juge.log").read_text(encoding="utf-8", errors="replace")
            raise RuntimeError(f"le juge a échoué (code {juge.returncode}) : {journal[-2000:]}")
        return json.loads(fichier_resultats.read_text(encoding="utf-8"))
