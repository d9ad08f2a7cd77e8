"""Signalements statiques : tout ce qui touche à l'interpréteur ou aux bibliothèques des tests."""
import pytest
from outils import code, notebook

from autograder.correction.lecture.signalements import signalements, signalements_du_code

RUSES = {
    "get_ipython().ast_transformers.append(t)": "ast_transformers",
    "ip = get_ipython()\nip.events.register('pre_run_cell', f)": "événements",
    "get_ipython().set_custom_exc((Exception,), f)": "set_custom_exc",
    "np.allclose = lambda *a, **k: True": "remplace un attribut de np",
    "setattr(np, 'mean', f)": "remplace un attribut de np (setattr)",
    "import builtins\nbuiltins.abs = f": "builtins",
    "import sys\nsys.settrace(f)": "settrace",
    "import sys\nsys._getframe(1).f_globals['x'] = 1": "cadres",
    "print(In[-1])": "historique des cellules",
    "print(_ih)": "historique d'IPython",
    "import gc\ngc.get_objects()": "gc",
    "import inspect": "inspect",
    "exec('x = 1')": "exec",
    "tf.random.normal = f": "remplace un attribut de tf",
}


@pytest.mark.parametrize("texte", sorted(RUSES))
def test_chaque_ruse_est_signalee_avec_sa_ligne(texte):
    trouves = signalements_du_code(texte, "ex1_reponse")
    assert any(RUSES[texte] in s.raison for s in trouves), trouves
    assert all(s.cellule == "ex1_reponse" and 1 <= s.ligne <= texte.count("\n") + 1 for s in trouves)


def test_les_reponses_du_tp_ne_sont_pas_signalees():
    reponses = ("beta = np.concatenate([[0.], np.linspace(beta_1, beta_T, T)])\nalpha = 1 - beta\n"
                "x[t] = np.sqrt(alpha[t]) * x[t-1] + np.sqrt(beta[t]) * epsilon\n"
                "eps = model([x[t][None, :, :, None], np.array([[t / T]])], training=False).numpy()\n"
                "self.alpha_barre = np.cumprod(self.alpha)\nimport numpy as np\nfrom keras.utils import PyDataset")
    assert signalements_du_code(reponses, "ex3_reponse") == []
    assert signalements_du_code("x = (", "ex3_reponse") == []  # erreur de syntaxe : rien à lire


def test_seules_les_cellules_de_l_etudiant_sont_lues():
    nb = notebook(code("get_ipython()", grade_id="outils", locked=True),
                  code("np.mean = f", grade_id="ex1_reponse", solution=True),
                  code("import gc"))
    trouves = signalements(nb)
    assert [(s["cellule"], s["ligne"]) for s in trouves] == [("ex1_reponse", 1), ("cellule n° 3", 1)]
