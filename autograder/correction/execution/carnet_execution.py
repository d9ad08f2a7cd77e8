"""Le carnet d'exécution : la remise telle que la voit le noyau de l'étudiant à la correction.

Construit à partir du notebook que nbgrader a remis en ordre (cellules verrouillées et de
vérification restaurées depuis le maître) :

- une première cellule, le relevé (``releve_noyau.py`` collé tel quel) ;
- les cellules de l'étudiant et les cellules fournies, inchangées ;
- à la place de chaque cellule de vérification notée, son relevé (``_tp_relever``) : la partie
  extraction de la vérification, puis l'écriture des variables dont le jugement a besoin ;
- après les relevés de ``INJECTIONS``, les valeurs de référence (pas de pénalité en cascade) ;
- après l'exercice 2, les cellules des exercices 1 et 2 relancées avec d'autres paramètres ;
- à la place du bilan des vérifications visibles, une phrase qui renvoie à la note du juge.

Aucune ligne de test caché n'y entre. Chaque cellule garde, dans ses métadonnées,
l'indice de la cellule du notebook d'origine (suivi d'une cellule qui tue le noyau, sorties).
"""
from __future__ import annotations

import copy
from pathlib import Path

from nbformat.v4 import new_code_cell

from autograder.cellules import grade_id, sources_du_code
from autograder.correction.execution.releves import (
    INJECTIONS,
    PARAMETRES_EX1,
    REMPLACEMENTS,
    VARIANTE,
    Verification,
    reecrire_parametres,
)

RELEVE_NOYAU = Path(__file__).with_name("releve_noyau.py")
INDICE = "indice_original"
#: Cellule ajoutée par la correction (pas de cellule d'origine).
AJOUTEE = -1
#: Après le relevé de cette vérification, les exercices 1 et 2 sont relancés (variante).
APRES_VARIANTE = "ex2b_verif"
#: Noms relevés dans les cellules relancées : (réponse, valeurs injectées avant, noms).
CELLULES_VARIANTE = [("ex1_reponse", None, ["beta"]),
                     ("ex2_reponse", "variante_ex2", ["alpha", "alpha_barre", "mu_x_T", "sigma_x_T"])]


#: Cellules fournies remplacées dans le carnet : le bilan des vérifications visibles résume leurs
#: exécutions dans le noyau, or à la correction elles sont jugées à part (par le juge).
BILAN = "bilan"
TEXTE_BILAN = ("Bilan\u00a0: à la correction, chaque vérification est jugée à part, sur vos résultats\u202f; "
               "la note et les points de chaque vérification sont en tête de cette page.")

#: Métadonnée des cellules de relevé (leur sortie n'est pas celle de la vérification).
RELEVE = "releve"


def _cellule(code, indice=AJOUTEE, releve=True):
    cellule = new_code_cell(code)
    cellule.metadata[INDICE] = indice
    cellule.metadata[RELEVE] = releve
    return cellule


def prelude(releves: str, entrees: str) -> str:
    """Source de la première cellule : le code du relevé, puis son installation."""
    return (RELEVE_NOYAU.read_text(encoding="utf-8")
            + f"\n_tp_installer_releve({releves!r}, {entrees!r})\ndel _tp_installer_releve\n")


def cellule_variante(nb, parametres: dict) -> str:
    """Source de la cellule qui relance les réponses des exercices 1 et 2 (paramètres tirés)."""
    reponses = sources_du_code(nb.cells)
    parties = []
    for gid, a_injecter, noms in CELLULES_VARIANTE:
        texte = reponses.get(gid, "")
        if gid == "ex1_reponse":
            texte = reecrire_parametres(texte, {n: parametres[n] for n in PARAMETRES_EX1})
        parties.append((gid, texte, a_injecter, noms))
    return f"_tp_variante({VARIANTE!r}, {parties!r})"


def carnet_execution(nb, verifications: list[Verification], *, parametres_variante: dict,
                     releves: str = "releves", entrees: str = "entrees"):
    """Le carnet d'exécution de ``nb`` (voir la docstring du module)."""
    par_id = {v.grade_id: v for v in verifications}
    carnet = copy.deepcopy(nb)
    carnet.cells = [_cellule(prelude(releves, entrees))]
    for indice, cellule in enumerate(nb.cells):
        gid = grade_id(cellule)
        if gid == BILAN:
            carnet.cells.append(_cellule(f"print({TEXTE_BILAN!r})", indice, releve=False))
            continue
        if gid not in par_id:
            copie = copy.deepcopy(cellule)
            copie.metadata[INDICE] = indice
            carnet.cells.append(copie)
            continue
        v = par_id[gid]
        carnet.cells.append(_cellule(
            f"_tp_relever({gid!r}, {v.noms!r}, {v.extraction!r}, {REMPLACEMENTS.get(gid)!r})", indice))
        if gid in INJECTIONS:
            carnet.cells.append(_cellule(f"{INJECTIONS[gid]}({gid!r})", indice))
        if gid == APRES_VARIANTE:
            carnet.cells.append(_cellule(cellule_variante(nb, parametres_variante), indice))
    return carnet


def reporter_sorties(carnet, nb) -> None:
    """Les sorties des cellules de ``nb`` exécutées dans le carnet (hors cellules notées, dont
    la sortie viendra du juge) ; le numéro d'exécution suit."""
    notees = set()
    for cellule in carnet.cells:
        indice = cellule.metadata.get(INDICE, AJOUTEE)
        if indice == AJOUTEE or cellule.cell_type != "code":
            continue
        origine = nb.cells[indice]
        if cellule.metadata.get(RELEVE):
            notees.add(indice)
            continue
        origine.outputs = cellule.outputs
        origine.execution_count = cellule.execution_count
    for indice in notees:
        nb.cells[indice].outputs = []
