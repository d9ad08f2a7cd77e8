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


@pytest.fixture(scope="module")
def sorties():
    juste, fausse = ({grade_id(c): c for c in nb["cells"] if grade_id(c)} for nb in (remise(), remise(FAUTES)))
    cellules, noms = [nbformat.v4.new_code_cell(source(juste[g])) for g in AVANT], []
    for nom, n, graine, faute in SCENARIOS:
        reponses = fausse if faute else juste
        if graine:
            cellules.append(nbformat.v4.new_code_cell(source(juste[f"graine_ex{n}"])))
        cellules += [nbformat.v4.new_code_cell(source(reponses[f"ex{n}_reponse"])),
                     nbformat.v4.new_code_cell(source(juste[f"ex{n}_verif"]))]
        noms.append((nom, len(cellules) - 1))
    nb = nbformat.v4.new_notebook(cells=cellules)
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    ancien = dict(os.environ)
    os.environ.update(ENVIRONNEMENT_RAPIDE)
    try:
        NotebookClient(nb, timeout=120, allow_errors=True).execute()
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
