"""Les vérifications visibles, telles que les lancent les étudiants (issue #19) : jamais
« correct » pour ce qui n'a pas été vérifié.

Un seul noyau (hors ligne, mode rapide) exécute le notebook étudiant rempli, jusqu'à
l'exercice 4, dans les ordres que prennent les étudiants : avec ou sans la cellule de la
graine, réponse juste ou fausse (β au lieu de √β, α_t au lieu de ᾱ_t).
"""
import os

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.cellules import grade_id, source
from autograder.environnement import ENVIRONNEMENT_RAPIDE
from autograder.remises_modeles import remise
from conftest import sans_insecables

pytestmark = pytest.mark.lent

AVANT = ["imports", "outils_verification", "parametres", "chargement", "ex1_reponse", "ex2_reponse",
         "normalisation"]
FAUTES = {"ex3_reponse": {2: "    x[t] = np.sqrt(alpha[t]) * x[t-1] + beta[t] * epsilon"},
          "ex4_reponse": {2: "    x[t] = np.sqrt(alpha[t]) * x_0 + np.sqrt(1 - alpha[t]) * epsilon"}}
# (nom du scénario, exercice, avec la cellule de la graine, réponse fausse)
SCENARIOS = [(f"ex{n}-{'graine' if g else 'sans-graine'}-{'fausse' if f else 'juste'}", n, g, f)
             for n in (3, 4) for g in (True, False) for f in (False, True)]
RESEAU = ["ex5_reponse", "instanciation", "unet", "entrainement"]
# ex7 sans .numpy()[0, :, :, 0] : le bruit prédit garde la forme (1, 28, 28, 1) et la cellule
# plante à t = 1 sur la ligne de denoised, après avoir rempli x[1].
SANS_NUMPY = {"ex7_reponse": {3: "    epsilon_theta_xt_t = model([x[t][None, :, :, None], np.array([[t / T]])], "
                                 "training=False)"}}
# ex9 avec un pas de forme (1, 1) : le premier appel au réseau échoue (un appel noté, raté).
PAS_1_1 = {"ex9_reponse": {4: "  epsilon_theta_xt_t = model([x_t[:, :, :, None], np.full((1, 1), t / T)], "
                              "training=False).numpy()[:, :, :, 0]"}}
# Échantillonneur facultatif : pas de forme (1, 1), clipping à [0, 1].
ECH_PAS_1_1 = {"apl_echantillonneur": {1: "    eps = modele([x_t[:, :, :, None], np.full((1, 1), t / T)], "
                                          "training=False).numpy()[:, :, :, 0]"}}
ECH_CLIP_0_1 = {"apl_echantillonneur": {2: "      x_0_chapeau = np.clip((x_t - np.sqrt(1 - alpha_barre[t]) * eps)"
                                           " / np.sqrt(alpha_barre[t]), 0, 1)"}}
VIERGE = "vierge"
# nom -> cellules à exécuter dans l'ordre, (grade_id, fautes) : fautes à remplacer, VIERGE (cellule
# laissée telle quelle) ou None (réponse juste) ; on lit la sortie de la dernière.
SCENARIOS_RESEAU = {
    "ex7-plantage": [("ex7_reponse", SANS_NUMPY), ("ex7_verif", None)],
    "ex9-essai-rate-puis-juste-sans-graine": [("graine_ex9", None), ("ex9_reponse", PAS_1_1), ("ex9_reponse", None),
                                             ("ex9_verif", None)],
    "ex9-graine-juste": [("graine_ex9", None), ("ex9_reponse", None), ("ex9_verif", None)],
    "trajectoire-non-faite": [("trajectoire_x0", VIERGE)],
    "echantillonneur-non-fait": [("apl_echantillonneur", VIERGE), ("apl_comparaison", None)],
    "echantillonneur-pas-1-1": [("apl_echantillonneur", ECH_PAS_1_1), ("apl_comparaison", None)],
    "echantillonneur-clip-0-1": [("apl_echantillonneur", ECH_CLIP_0_1), ("apl_comparaison", None)],
    "echantillonneur-juste": [("apl_echantillonneur", None), ("apl_comparaison", None)],
}


@pytest.fixture(scope="module")
def sorties():
    def cellules_de(fautes):
        nb = remise(vierge=True) if fautes == VIERGE else remise(fautes or None)
        return {grade_id(c): c for c in nb["cells"] if grade_id(c)}
    juste, fausse = cellules_de({}), cellules_de(FAUTES)
    cellules, noms = [nbformat.v4.new_code_cell(source(juste[g])) for g in AVANT], []
    for nom, n, graine, faute in SCENARIOS:
        reponses = fausse if faute else juste
        if graine:
            cellules.append(nbformat.v4.new_code_cell(source(juste[f"graine_ex{n}"])))
        cellules += [nbformat.v4.new_code_cell(source(reponses[f"ex{n}_reponse"])),
                     nbformat.v4.new_code_cell(source(juste[f"ex{n}_verif"]))]
        noms.append((nom, len(cellules) - 1))
    cellules += [nbformat.v4.new_code_cell(source(juste[g])) for g in RESEAU]
    for nom, etapes in SCENARIOS_RESEAU.items():
        cellules += [nbformat.v4.new_code_cell(source((cellules_de(f) if f else juste)[g])) for g, f in etapes]
        noms.append((nom, len(cellules) - 1))
    nb = nbformat.v4.new_notebook(cells=cellules)
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    ancien = dict(os.environ)
    os.environ.update(ENVIRONNEMENT_RAPIDE)
    try:
        NotebookClient(nb, timeout=300, allow_errors=True).execute()
    finally:
        os.environ.clear()
        os.environ.update(ancien)
    resultat = {}
    for nom, i in noms:
        texte = "".join(s.get("text", "") for s in nb.cells[i].outputs if s["output_type"] == "stream")
        erreur = [f"{s['ename']}: {s['evalue']}" for s in nb.cells[i].outputs if s["output_type"] == "error"]
        resultat[nom] = (sans_insecables(texte), erreur)
    return resultat


@pytest.mark.parametrize("nom, n, graine, faute", SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_correct_seulement_si_tout_a_ete_verifie(sorties, nom, n, graine, faute):
    texte, erreur = sorties[nom]
    succes = f"Exercice {n} : correct." in texte
    if graine and not faute:
        assert succes and not erreur, (texte, erreur)
    elif graine and faute:
        assert not succes and erreur, (texte, erreur)
    else:  # tirages impossibles à rejouer : jamais « correct », et la marche à suivre
        assert not succes, texte
        assert "pas encore vérifié en entier" in texte and "relancez la cellule de la graine" in texte, texte


def test_plantage_attribue_a_sa_vraie_cause(sorties):
    """La cellule de l'exercice 7 a planté à t = 1 sur la ligne de denoised (x[1] rempli) :
    la vérification le dit, au lieu d'accuser la boucle de ne pas avoir rempli x[2]."""
    texte, erreur = sorties["ex7-plantage"]
    assert erreur and "La cellule s'est arrêtée à t = 1" in erreur[0], (texte, erreur)
    assert "Exercice 7 : correct." not in texte


def test_appels_comptes_par_execution(sorties):
    """Un essai raté, puis la bonne cellule relancée sans la graine : la vérification compte les
    10 appels de la dernière exécution (et non 11), ne dit pas « correct » (tirages non
    rejouables) et dit quoi faire ; avec la graine, la même cellule est correcte."""
    texte, erreur = sorties["ex9-essai-rate-puis-juste-sans-graine"]
    assert not erreur, erreur
    assert "Exercice 9 : correct." not in texte and "pas encore vérifié en entier" in texte, texte
    texte, erreur = sorties["ex9-graine-juste"]
    assert "Exercice 9 : correct." in texte and not erreur, (texte, erreur)


@pytest.mark.parametrize("nom", ["trajectoire-non-faite", "echantillonneur-non-fait"])
def test_partie_facultative_non_faite_sans_erreur(sorties, nom):
    """Les cellules facultatives laissées telles quelles : pas d'erreur, « partie facultative non faite »."""
    texte, erreur = sorties[nom]
    assert not erreur and "Partie facultative non faite" in texte, (texte, erreur)


def test_echantillonneur_facultatif(sorties):
    """Erreurs classiques de l'échantillonneur facultatif nommées en français ; le bon échantillonneur
    ne reçoit aucun message (et aucun « correct » : l'essai n'est pas une vérification complète)."""
    texte, erreur = sorties["echantillonneur-pas-1-1"]
    assert erreur and "forme (n, 1)" in erreur[0] and "ConcatOp" not in erreur[0], (texte, erreur)
    texte, erreur = sorties["echantillonneur-clip-0-1"]
    assert not erreur and "coupé à [-1, 1]" in texte, (texte, erreur)
    texte, erreur = sorties["echantillonneur-juste"]
    assert not erreur and not texte.strip(), (texte, erreur)
