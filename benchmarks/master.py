"""Le code du TP, pris tel quel dans le notebook maître (source unique de vérité).

On ne recopie rien : on lit ``solutions/tp_diffusion.ipynb``, on extrait les cellules de
code par leur ``grade_id`` nbgrader et on les exécute dans un espace de noms. Les variantes
de l'ablation (U-Net du brouillon, suivi de l'EMA) sont obtenues en modifiant UNE ligne du texte source
du maître, en mémoire, avec une vérification que la ligne visée existe bien une seule fois.
"""
import contextlib
import io
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # lancé en script : le dépôt importable
from autograder.cellules import sources_du_code  # noqa: E402
from autograder.chemins import NOTEBOOK_MAITRE, RACINE  # noqa: E402,F401  (RACINE : lu par benchmark.py)
from autograder.correction.jugement.references import PltMuet  # noqa: E402

# Cellules exécutées pour disposer de tout le code du TP (dans cet ordre).
CELLULES_CODE = ["imports", "ex1_reponse", "ex2_reponse", "normalisation", "ex5_reponse",
                 "unet", "complementaire_code"]


def sources_des_cellules(chemin=NOTEBOOK_MAITRE):
    """{grade_id: source} pour toutes les cellules de code du notebook."""
    nb = json.loads(Path(chemin).read_text(encoding="utf-8"))
    return sources_du_code(nb["cells"])


def remplacer_une_fois(source, motif, remplacement, quoi):
    """Remplace l'unique ligne qui correspond à ``motif`` (regex) ; échoue sinon."""
    nouveau, n = re.subn(motif, remplacement, source, flags=re.MULTILINE)
    if n != 1:
        raise RuntimeError(f"{quoi} : {n} occurrence(s) du motif {motif!r} dans le maître "
                           "(attendu : exactement 1). Le notebook a changé : mettez à jour "
                           "benchmarks/master.py.")
    return nouveau


def unet_du_brouillon(source_unet):
    """U-Net du brouillon : la 1re convolution lit ``input_image`` au lieu de
    ``input_layer`` (image + pas t concaténés) ; le pas t est donc ignoré."""
    return remplacer_une_fois(
        source_unet,
        r"^(\s*conv1 = Conv2D\(32, .*\))\(input_layer\)\s*$",
        r"\1(input_image)",
        "U-Net du brouillon")


def fit_avec_callbacks(source, nom_variable="_callbacks_benchmark"):
    """Ajoute ``callbacks=<nom_variable>`` à l'unique appel ``.fit(..., epochs=EPOCHS)`` de la
    cellule (pour suivre une moyenne exponentielle des poids sans changer l'entraînement)."""
    return remplacer_une_fois(
        source,
        r"^(.*\.fit\(.*epochs=EPOCHS)\)\s*$",
        rf"\1, callbacks={nom_variable})",
        "fit avec callbacks")


def executer(source, ns, nom, muet=True):
    """Exécute une cellule du maître dans ``ns`` (sortie standard capturée si ``muet``)."""
    code = compile(source, f"<maître:{nom}>", "exec")
    if muet:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(code, ns)
    else:
        exec(code, ns)
    return ns


def charger_maitre(brouillon=False, sources=None):
    """Espace de noms avec le code du TP : beta, alpha, alpha_barre, T, normalize,
    DiffusionSequence, create_unet, DiffusionSequenceConditionnelle, ... ."""
    sources = sources or sources_des_cellules()
    ns = {"__name__": "tp_maitre"}
    for gid in CELLULES_CODE:
        src = sources[gid]
        if gid == "unet" and brouillon:
            src = unet_du_brouillon(src)
        executer(src, ns, gid)
    ns["plt"] = PltMuet()  # les cellules exécutées ensuite ne dessinent rien
    return ns
