"""Réponses partagées (``autograder/correction/sorties/similarites.py``), sur des classes faites à la main.

Tests rapides (millisecondes) : des réponses écrites ici, cellule par cellule, sans
exécuter de notebook. La classe de démonstration corrigée est vérifiée dans
``tests/test_rapport_classe.py``.
"""
import csv
import io

from autograder.chemins import NOTEBOOK_ETUDIANT, NOTEBOOK_MAITRE
from autograder.correction.sorties.resultats import lire_notebook
from autograder.correction.sorties.similarites import (
    SEUIL,
    cellules_de_reponse,
    cles_exclues,
    comparer,
    texte_csv,
    unites,
)
from autograder.remises_modeles import notebook_etudiant, remise

GABARIT = {
    "ex1": "### A COMPLETER ###\n# Les beta_t\nbeta = ...\nprint('beta = ' + str(beta))",
    "ex2": "### A COMPLETER ###\nalpha = ...\nalpha_barre = ...\nfor t in ... :\n    x[t] = ...\nplt.show()",
}
CORRECT = {
    "ex1": "beta = np.concatenate([[0.], np.linspace(beta_1, beta_T, T)])\nprint('beta = ' + str(beta))",
    "ex2": "alpha = 1 - beta\nalpha_barre = np.cumprod(alpha)\nfor t in range(1, T + 1):\n"
           "    x[t] = np.sqrt(alpha[t]) * x[t-1]\nplt.show()",
}
#: Réponses inhabituelles (justes ou non) qu'aucun autre étudiant n'écrit ainsi.
INHABITUEL = {
    "ex1": "# ma version\nbeta = np.hstack((0.0, np.linspace(beta_1, beta_T, num=T)))\nprint('beta = ' + str(beta))",
    "ex2": "alpha = np.subtract(1.0, beta)\nalpha_barre = np.multiply.accumulate(alpha)\n"
           "for t in np.arange(1, T + 1):\n    x[t] = alpha[t] ** 0.5 * x[t - 1]  # formule\n"
           "    y = np.copy(x[t])\n    z = np.random.standard_normal(size=(28, 28))\nplt.show()",
}
#: La même chose, maquillée : commentaires, espaces, guillemets, retours à la ligne changés.
MAQUILLE = {
    "ex1": 'beta=np.hstack((0.0,\n                 np.linspace(beta_1,beta_T,num=T)))  # fait seul\n'
           'print("beta = "+str(beta))',
    "ex2": "alpha=np.subtract(1.0,beta)\n# cumul\nalpha_barre=np.multiply.accumulate(alpha)\n"
           "for t in np.arange(1,T+1):\n    x[t]=alpha[t]**0.5*x[t - 1]\n    y=np.copy(x[t])\n"
           "    z=np.random.standard_normal(size=(28,28))\nplt.show()",
}


def exclues():
    return cles_exclues({"cells": [{"cell_type": "code", "source": s, "metadata": {"nbgrader": {
        "solution": True, "grade_id": g}}} for g, s in GABARIT.items()]})


def classe(n_corrects=8, **autres):
    reponses = {f"correct{i}": dict(CORRECT) for i in range(n_corrects)}
    reponses.update(autres)
    return reponses


def test_la_normalisation_ignore_espaces_commentaires_guillemets_et_retours_a_la_ligne():
    a = [u.cle for u in unites(INHABITUEL["ex1"])]
    b = [u.cle for u in unites(MAQUILLE["ex1"])]
    assert a == b and len(a) == 2
    assert next(u.cle for u in unites("for t in range(T):\n    pass")) == "fortinrange(T):"
    # une cellule qui ne s'analyse pas est découpée ligne par ligne, sans ses commentaires
    cassee = unites("x = (1 +  # ouvert\ny = 2")
    assert [u.cle for u in cassee] == ["x=(1+", "y=2"]


def test_une_copie_maquillee_de_reponses_inhabituelles_est_signalee():
    paires = comparer(classe(inhabituel=INHABITUEL, maquille=MAQUILLE), exclues=exclues())
    assert [(p.etudiant_a, p.etudiant_b) for p in paires] == [("inhabituel", "maquille")]
    paire = paires[0]
    assert paire.score >= SEUIL
    assert paire.exercices == ("ex1", "ex2")
    assert "np.hstack" in paire.extrait() or "standard_normal" in paire.extrait()
    # les lignes du gabarit (print, plt.show) ne font jamais partie des preuves
    assert not any("print" in c.a.texte or "plt.show" in c.a.texte for c in paire.communes)


def test_partager_les_reponses_courantes_n_est_pas_suspect():
    # Une variante juste, écrite par la plupart des étudiants (pas celle du maître) : commune, donc sans poids.
    variante = {"ex1": "beta = np.insert(np.linspace(beta_1, beta_T, T), 0, 0)",
                "ex2": "alpha = 1. - beta\nalpha_barre = np.cumprod(alpha)\nfor t in range(1, T+1):\n"
                       "    x[t] = np.sqrt(alpha[t]) * x[t-1]\nplt.show()"}
    reponses = {f"v{i}": dict(variante) for i in range(7)} | {f"c{i}": dict(CORRECT) for i in range(5)}
    assert comparer(reponses, exclues=exclues()) == []
    # la même classe, avec en plus deux copies identiques, n'accuse qu'elles
    reponses |= {"inhabituel": INHABITUEL, "maquille": MAQUILLE}
    assert [(p.etudiant_a, p.etudiant_b) for p in comparer(reponses, exclues=exclues())] == [("inhabituel", "maquille")]


def test_la_rarete_decide_la_meme_paire_n_est_plus_signalee_si_toute_la_classe_ecrit_pareil():
    reponses = classe(n_corrects=0, inhabituel=INHABITUEL, maquille=MAQUILLE)
    reponses |= {f"pareil{i}": dict(INHABITUEL) for i in range(10)}
    assert comparer(reponses, exclues=exclues()) == []


def test_le_gabarit_vierge_n_est_jamais_une_preuve():
    # Dix copies vierges (le gabarit tel quel, ou à peine retouché) : identiques, mais jamais signalées.
    vierges = {f"vierge{i}": {g: s.replace("###", "#" * (3 + i % 2)) for g, s in GABARIT.items()} for i in range(10)}
    assert comparer(classe(n_corrects=3, **vierges), exclues=exclues()) == []
    # Et sur le vrai TP : le notebook distribué, rendu tel quel, n'a aucune instruction qui compte.
    vrai = cles_exclues(lire_notebook(NOTEBOOK_ETUDIANT), lire_notebook(NOTEBOOK_MAITRE))
    vierge = cellules_de_reponse(notebook_etudiant())
    juste = cellules_de_reponse(remise())
    assert len(vierge) >= 9
    assert all(u.cle in vrai for g, s in {**vierge, **juste}.items() for u in unites(s, g))


def test_une_erreur_typique_partagee_ne_suffit_pas():
    erreur = dict(CORRECT, ex2=CORRECT["ex2"].replace("np.cumprod", "np.cumsum"))
    reponses = classe(n_corrects=20, e1=erreur, e2=erreur, e3=dict(erreur))
    assert comparer(reponses, exclues=exclues()) == []
    # mais le même seuil, abaissé, la signalerait : le test n'est pas vide
    assert comparer(reponses, exclues=exclues(), seuil=0.5)


def test_le_csv_a_ses_colonnes_meme_sans_paire():
    assert texte_csv([]) == "etudiant_a,etudiant_b,score,exercices,extrait\n"
    texte = texte_csv(comparer(classe(inhabituel=INHABITUEL, maquille=MAQUILLE), exclues=exclues()))
    (ligne,) = list(csv.DictReader(io.StringIO(texte)))
    assert ligne["etudiant_a"] == "inhabituel" and ligne["exercices"] == "ex1 ex2"
    assert float(ligne["score"]) >= SEUIL


def test_trop_peu_d_etudiants_pas_d_analyse():
    assert comparer({"a": INHABITUEL, "b": MAQUILLE}, exclues=exclues()) == []
