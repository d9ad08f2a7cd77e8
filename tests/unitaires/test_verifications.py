"""Le module des vérifications visibles (``autograder/distribution/verifications.py``), tel que
le notebook étudiant le reçoit (module + données de la cellule des outils), sur des réponses
écrites ici : les bonnes passent, chaque erreur typique échoue avec son message en français,
et « correct » n'est jamais le dernier mot d'une vérification qui n'a pas tout jugé.

Rapide : ni noyau ni TensorFlow ; le réseau est une fonction NumPy (les coefficients jugés
sont ceux des formules, quel que soit le réseau).
"""
import ast
import contextlib
import io
import json

import numpy as np
import pytest

from autograder.chemins import NOTEBOOK_ETUDIANT

T = 10
BETA = np.concatenate([[0.], np.linspace(0.1, 0.8, T)])
ALPHA = 1 - BETA
ALPHA_BARRE = np.cumprod(ALPHA)


def _outils():
    nb = json.loads(NOTEBOOK_ETUDIANT.read_text(encoding="utf-8"))
    (cellule,) = [c for c in nb["cells"]
                  if c["metadata"].get("nbgrader", {}).get("grade_id") == "outils_verification"]
    return "".join(cellule["source"]), cellule["metadata"]


class Sortie(np.ndarray):
    """Sortie du faux réseau : un tableau NumPy qui a aussi ``.numpy()``, comme un tenseur."""
    def numpy(self):
        return np.asarray(self)


def reseau(entrees, training=False):
    """Faux réseau déterministe : dépend de l'image et de l'étape normalisée."""
    images, etapes = np.asarray(entrees[0], dtype=float), np.asarray(entrees[1], dtype=float)
    return (np.tanh(images) * 0.5 + etapes.reshape(-1, 1, 1, 1)).view(Sortie)


@pytest.fixture
def ns():
    """L'espace d'un notebook où la cellule des outils et l'exercice 1 et 2 ont tourné."""
    espace = {"np": np, "T": T, "beta_1": 0.1, "beta_T": 0.8, "beta": BETA.copy(), "alpha": ALPHA.copy(),
              "alpha_barre": ALPHA_BARRE.copy(), "mu_x_T": np.sqrt(ALPHA_BARRE[T]),
              "sigma_x_T": 1 - ALPHA_BARRE[T], "model": reseau}
    exec(compile(_outils()[0], "outils_verification", "exec"), espace)
    return espace


def plat(texte):
    """Le texte avec des espaces ordinaires (les messages ont des espaces insécables)."""
    return str(texte).replace("\u00a0", " ").replace("\u202f", " ")


def verifier(ns, nom, *args):
    """(verdict, ce qui a été affiché) ; l'exception de la vérification passe telle quelle."""
    sortie = io.StringIO()
    with contextlib.redirect_stdout(sortie):
        verdict = ns[f"verification_{nom}"](*args)
    return verdict, sortie.getvalue()


def echoue(ns, nom, *args, exception=AssertionError):
    with pytest.raises(exception) as erreur:
        verifier(ns, nom, *args)
    return plat(erreur.value)


# ------------------------------------------------------------------ exercices 1 et 2
def test_ex1_et_ex2(ns):
    for nom in ("ex1", "ex2a", "ex2b"):
        verdict, _ = verifier(ns, nom)
        assert verdict.complet and verdict.endswith("correct.")
    ns["beta"] = np.linspace(0.1, 0.8, T)
    assert "T+1 = 11 valeurs" in echoue(ns, "ex1")
    ns["beta"] = ...
    assert "Complétez d'abord" in echoue(ns, "ex1", exception=ns["PasEncoreFait"])
    ns["beta"], ns["alpha_barre"] = BETA, np.cumsum(ALPHA)
    assert "un produit, pas une somme" in echoue(ns, "ex2a")
    ns["alpha_barre"], ns["sigma_x_T"] = ALPHA_BARRE, np.sqrt(1 - ALPHA_BARRE[T])
    assert "l'écart-type" in echoue(ns, "ex2b")


def test_ex2b_sans_alpha_barre_juste_ne_dit_pas_correct(ns):
    ns["alpha_barre"] = np.cumprod(ALPHA) * 1.01
    verdict, _ = verifier(ns, "ex2b")
    assert not verdict.complet and "pas encore vérifié" in verdict and "correct" not in verdict


# ------------------------------------------------------------------ exercices 3 et 4
def _diffusion(ns, graine, directe=False, racine=True, tirage=None, arret=None):
    """La boucle d'un étudiant (exercice 3 ou 4), avec ses erreurs possibles."""
    if graine is not None:
        np.random.seed(graine)
    x_0 = np.linspace(-1, 1, 784).reshape(28, 28)
    x = np.full((T + 1, 28, 28), np.nan)
    for t in range(T + 1):
        if t == arret:
            break
        if t == 0:
            x[t] = x_0
            continue
        epsilon = (tirage or np.random.normal)(0, 1, (28, 28))
        coef = BETA[t] if not racine else np.sqrt(BETA[t])
        if directe == "alpha":
            x[t] = np.sqrt(ALPHA[t]) * x_0 + np.sqrt(1 - ALPHA_BARRE[t]) * epsilon
        elif directe:
            x[t] = np.sqrt(ALPHA_BARRE[t]) * x_0 + np.sqrt(1 - ALPHA_BARRE[t]) * epsilon
        else:
            x[t] = np.sqrt(ALPHA[t]) * x[t - 1] + coef * epsilon
    ns.update(x=x, x_0=x_0, epsilon=epsilon, t=t)


def test_ex3_juste_faux_et_tirages_non_rejouables(ns):
    _diffusion(ns, 3)
    verdict, affiche = verifier(ns, "ex3")
    assert plat(verdict) == "Exercice 3 : correct." and verdict.complet and not affiche
    _diffusion(ns, 3, racine=False)
    assert "il faut sa racine carrée" in echoue(ns, "ex3")
    # Sans la cellule de la graine (ou avec default_rng) : jamais « correct », même faux.
    for tirage in (None, np.random.default_rng(0).normal):
        for racine in (True, False):
            _diffusion(ns, None, racine=racine, tirage=tirage)
            verdict, affiche = verifier(ns, "ex3")
            assert not verdict.complet and "correct" not in verdict and "relancez la cellule de la graine" in verdict
            assert "ne sont pas ceux que la vérification sait rejouer" in affiche


def test_ex3_arret_de_la_boucle_et_ex4(ns):
    _diffusion(ns, 3, arret=4)
    ns["t"] = 4
    assert "La cellule s'est arrêtée à t = 4" in echoue(ns, "ex3")
    _diffusion(ns, 4, directe=True)
    verdict, _ = verifier(ns, "ex4")
    assert verdict.complet and verdict.endswith("correct.")
    _diffusion(ns, 4)  # la formule de l'exercice 3 à la place de la diffusion directe
    assert "x_t ne s'écrit pas a * x_0 + b * epsilon" in echoue(ns, "ex4")
    _diffusion(ns, 4, directe="alpha")  # racine(alpha_t) au lieu de racine(alpha_barre_t)
    assert "la diffusion directe utilise alpha_barre_t" in echoue(ns, "ex4")


# ------------------------------------------------------------------ exercice 5
class Sequence:
    """Une DiffusionSequence d'étudiant, en NumPy (juste, ou avec une erreur)."""
    def __init__(self, x_set, batch_size, beta, erreur=None):
        self.x, self.batch_size, self.erreur = x_set, batch_size, erreur
        self.indices = np.arange(len(x_set))
        self.alpha = 1 - beta
        self.alpha_barre = np.cumprod(self.alpha) if erreur != "somme" else np.cumsum(self.alpha)

    def __getitem__(self, i):
        x0 = (self.x[self.indices[:self.batch_size]] - 127.5) / 127.5
        haut = T if self.erreur == "borne" else T + 1
        t = np.random.randint(1, haut, len(x0))
        eps = np.random.normal(0, 1, x0.shape)
        ab = self.alpha_barre[t][:, None, None]
        return ([np.sqrt(ab) * x0 + np.sqrt(1 - ab) * eps, t / T], eps)


@pytest.mark.parametrize("erreur, message", [
    (None, None),
    ("borne", "borne supérieure de np.random.randint"),
])
def test_ex5(ns, erreur, message):
    ns["normalize"] = lambda img: (img - 127.5) / 127.5
    images = np.random.default_rng(1).integers(0, 256, (256, 28, 28)).astype(float)

    def sequence(*args):
        return Sequence(*args, erreur=erreur)
    verdict, _ = verifier(ns, "ex5a", ns["_extraire_ex5a"](sequence, images[:64], BETA))
    assert verdict.complet
    releve = ns["_extraire_ex5b"](sequence, images, BETA)
    if message is None:
        assert verifier(ns, "ex5b", releve)[0].complet
    else:
        assert message in echoue(ns, "ex5b", releve)


def test_ex5_avec_alpha_barre_faux_ne_dit_jamais_correct(ns):
    """La même somme au lieu du produit dans l'exercice 2 et dans __init__ : self.alpha_barre est
    égal à alpha_barre, mais faux ; ni __init__ ni __getitem__ ne disent « correct »."""
    ns["normalize"] = lambda img: (img - 127.5) / 127.5
    ns["alpha_barre"] = np.cumsum(ALPHA)
    images = np.random.default_rng(1).integers(0, 256, (256, 28, 28)).astype(float)

    def sequence(*args):
        return Sequence(*args, erreur="somme")
    for nom, extraire, lot in (("ex5a", "_extraire_ex5a", images[:64]), ("ex5b", "_extraire_ex5b", images)):
        verdict, _ = verifier(ns, nom, ns[extraire](sequence, lot, BETA))
        assert not verdict.complet and "correct" not in verdict and "pas encore vérifié" in plat(verdict)
    ns["alpha_barre"] = ALPHA_BARRE
    assert "self.alpha_barre doit contenir les alpha_barre_t" in echoue(ns, "ex5a", ns["_extraire_ex5a"](
        sequence, images[:64], BETA))


def test_ex6(ns):
    ns["historique"] = type("Historique", (), {"history": {"loss": [0.9, 0.2, 0.1]}})()
    verdict, _ = verifier(ns, "ex6", ns["_extraire_ex6"]())
    assert verdict.complet and "perte finale 0.100" in verdict
    ns["historique"].history["loss"] = [0.9, float("nan")]
    assert "infinies ou NaN" in echoue(ns, "ex6", ns["_extraire_ex6"]())
    ns["historique"].history["loss"] = [1.0, 0.98]
    assert "bien en dessous de 1,0" in echoue(ns, "ex6", ns["_extraire_ex6"]())


# ------------------------------------------------------------------ exercices 7, 8 et 9
def _debruitage(ns, normalisee=True, racine=True):
    np.random.seed(7)
    x_0 = np.linspace(-1, 1, 784).reshape(28, 28)
    x, denoised = np.full((T + 1, 28, 28), np.nan), np.full((T + 1, 28, 28), np.nan)
    x[0] = denoised[0] = x_0
    for t in range(1, T + 1):
        x[t] = np.sqrt(ALPHA_BARRE[t]) * x_0 + np.sqrt(1 - ALPHA_BARRE[t]) * np.random.normal(0, 1, (28, 28))
        eps = reseau([x[t][None, :, :, None], np.array([[t / T if normalisee else t]])]).numpy()[0, :, :, 0]
        div = np.sqrt(ALPHA_BARRE[t]) if racine else ALPHA_BARRE[t]
        denoised[t] = (x[t] - np.sqrt(1 - ALPHA_BARRE[t]) * eps) / div
    ns.update(x=x, denoised=denoised, t=t, epsilon_theta_xt_t=eps)


def test_ex7(ns):
    _debruitage(ns)
    verdict, _ = verifier(ns, "ex7")
    assert verdict.complet and verdict.endswith("correct.")
    _debruitage(ns, racine=False)
    assert "il faut diviser par sa racine carrée" in echoue(ns, "ex7")
    _debruitage(ns, normalisee=False)
    assert "donnez-lui l'étape normalisée t/T" in echoue(ns, "ex7")
    # arrêt au milieu (ligne denoised) : la première étape vide est nommée, dans l'un ou l'autre tableau
    _debruitage(ns)
    ns["denoised"][4:] = np.nan
    ns["t"] = 4
    assert "La cellule s'est arrêtée à t = 4" in echoue(ns, "ex7")


def _generation(ns, graine, n=None, sigma="beta", appels=None):
    """Algorithme 2 d'un étudiant : une image (exercice 8) ou n images (exercice 9)."""
    if graine is not None:
        np.random.seed(graine)
    forme = (28, 28) if n is None else (n, 28, 28)
    x_t = np.random.normal(0, 1, forme)
    x = np.full((T + 1, 28, 28), np.nan)
    if n is None:
        x[T] = x_t
    modele = ns["model"]
    for t in range(T, 0, -1):
        z = np.random.normal(0, 1, forme) if t > 1 else np.zeros(forme)
        lot = x_t.reshape(-1, 28, 28, 1)
        eps = np.asarray(modele([lot, np.full((len(lot), 1), t / T)], training=False)).reshape(forme)
        s = np.sqrt(BETA[t]) if sigma == "beta" else BETA[t]
        x_t = (x_t - BETA[t] / np.sqrt(1 - ALPHA_BARRE[t]) * eps) / np.sqrt(ALPHA[t]) + s * z
        if n is None:
            x[t - 1] = x_t
    ns.update(x=x, t=t, z=z, x_t=x_t, epsilon_theta_xt_t=eps)


def test_ex8(ns):
    _generation(ns, 8)
    verdict, _ = verifier(ns, "ex8")
    assert verdict.complet
    _generation(ns, 8, sigma="carre")
    assert "ce n'est pas sigma_t de l'algorithme 2" in echoue(ns, "ex8")
    _generation(ns, None)
    verdict, affiche = verifier(ns, "ex8")
    assert not verdict.complet and "correct" not in verdict and "ne sont pas ceux" in affiche


def test_ex9_compte_les_appels_de_la_derniere_execution(ns):
    """L'enregistreur repart de zéro à chaque exécution de cellule : un essai raté, puis la même
    cellule relancée (juste), donne 10 appels, pas 11."""
    shell = type("Shell", (), {"execution_count": 1})()
    ns["get_ipython"] = lambda: shell
    ns["model"] = ns["_Enregistreur"](reseau)
    ns["model"]([np.zeros((50, 28, 28, 1)), np.ones((50, 1))])     # essai de la cellule, exécution 1
    shell.execution_count = 2
    np.random.seed(9)
    ns["x_T"] = np.random.normal(0, 1, (50, 28, 28))
    np.random.seed(9)
    _generation(ns, 9, n=50)
    verdict, _ = verifier(ns, "ex9")
    assert verdict.complet and verdict.endswith("correct.") and len(ns["model"].appels) == T
    # sans changement d'exécution, l'appel de trop compte, et la vérification le dit
    ns["model"].appels.insert(0, [np.zeros((50, 28, 28, 1)), np.ones((50, 1)), np.zeros((50, 28, 28, 1))])
    assert "11 appels ici" in echoue(ns, "ex9")


def test_ex9_tirages_non_rejouables_et_un_seul_bruit(ns):
    ns["model"] = ns["_Enregistreur"](reseau)
    np.random.seed(1)                                    # pas la graine de l'exercice 9
    ns["x_T"] = np.random.normal(0, 1, (50, 28, 28))
    np.random.seed(1)
    _generation(ns, None, n=50)
    verdict, affiche = verifier(ns, "ex9")
    assert not verdict.complet and "correct" not in verdict and "ne sont pas ceux" in plat(affiche)
    # un seul z (28, 28) pour les 50 images : reconnu grâce à la graine
    ns["model"] = ns["_Enregistreur"](reseau)
    np.random.seed(9)
    x_t = np.random.normal(0, 1, (50, 28, 28))
    ns["x_T"] = x_t.copy()
    for t in range(T, 0, -1):
        z = np.random.normal(0, 1, (28, 28)) if t > 1 else np.zeros((28, 28))
        eps = np.asarray(ns["model"]([x_t[..., None], np.full((50, 1), t / T)])).reshape(50, 28, 28)
        x_t = (x_t - BETA[t] / np.sqrt(1 - ALPHA_BARRE[t]) * eps) / np.sqrt(ALPHA[t]) + np.sqrt(BETA[t]) * z
    ns.update(t=t, z=z, x_t=x_t, epsilon_theta_xt_t=eps)
    assert "tirez un bruit par image" in echoue(ns, "ex9")


# ------------------------------------------------------------------ bilan
def test_bilan_resume_la_derniere_execution_de_chaque_verification(ns):
    """Dans l'ordre du notebook : chaque vérification juge x, t, epsilon... au moment où elle
    tourne ; le bilan ne dit « ok » que pour une vérification qui a tout jugé."""
    for nom in ("ex1", "ex2a"):
        verifier(ns, nom)
    ns["mu_x_T"] = ...
    echoue(ns, "ex2b", exception=ns["PasEncoreFait"])
    _diffusion(ns, None)                             # ex3 sans la graine : pas vérifié en entier
    verifier(ns, "ex3")
    _diffusion(ns, 4)                                # ex4 avec la formule de l'exercice 3
    echoue(ns, "ex4")
    ns["historique"] = type("Historique", (), {"history": {"loss": [0.9, 0.1]}})()
    verifier(ns, "ex6", ns["_extraire_ex6"]())       # ok une première fois...
    del ns["historique"]
    with pytest.raises(ns["PasEncoreFait"]):
        ns["_extraire_ex6"]()                        # ... puis l'extraction échoue : plus « ok »
    _debruitage(ns)                                  # ex7 juste (x est réécrit : ex3 ne change pas)
    verifier(ns, "ex7")
    sortie = io.StringIO()
    with contextlib.redirect_stdout(sortie):
        ns["bilan"]()
    texte = plat(sortie.getvalue())
    etats = {ligne.split("|")[0].strip(): ligne.split("|")[1].strip()
             for ligne in texte.splitlines() if ligne.count("|") == 2 and ligne.split("|")[0].strip()}
    assert etats == {"exercice": "état", "Exercice 1": "ok", "Exercice 2 (alpha, alpha_barre)": "ok",
                     "Exercice 2 (moyenne, variance)": "pas encore fait", "Exercice 3": "pas vérifié en entier",
                     "Exercice 4": "à revoir", "Exercice 5 (__init__)": "vérification non lancée",
                     "Exercice 5 (__getitem__)": "vérification non lancée", "Exercice 6": "pas encore fait",
                     "Exercice 7": "ok", "Exercice 8": "vérification non lancée",
                     "Exercice 9": "vérification non lancée"}
    assert "réussies" in texte and "6 points sur 20 au barème" in texte
    assert "Redémarrer la session et tout exécuter" in texte


# ------------------------------------------------------------------ rien à recopier
def test_la_cellule_des_outils_est_repliee_et_ne_rend_aucune_sortie_du_reseau():
    texte, metadonnees = _outils()
    assert texte.startswith("#@title ") and metadonnees["cellView"] == "form"
    assert metadonnees["jupyter"]["source_hidden"] is True
    assert outils_qui_rendent_le_reseau(texte) == []


def outils_qui_rendent_le_reseau(texte):
    """Les fonctions et classes de premier niveau qui lisent ``model`` sans être une vérification
    qui ne rend qu'un verdict : un étudiant pourrait les appeler pour obtenir une réponse."""
    return [noeud.name for noeud in ast.parse(texte).body
            if isinstance(noeud, (ast.FunctionDef, ast.ClassDef))
            and any(isinstance(n, ast.Name) and n.id == "model" for n in ast.walk(noeud))
            and not (noeud.name.startswith("verification_") and all(map(_un_verdict, _retours(noeud))))]


def _retours(fonction):
    """Les ``return`` de la fonction elle-même (pas ceux de ses fonctions imbriquées)."""
    a_voir, retours = list(ast.iter_child_nodes(fonction)), []
    while a_voir:
        noeud = a_voir.pop()
        if isinstance(noeud, ast.Return):
            retours.append(noeud.value)
        if not isinstance(noeud, (ast.FunctionDef, ast.Lambda, ast.ClassDef)):
            a_voir += ast.iter_child_nodes(noeud)
    return retours


def _un_verdict(valeur):
    if isinstance(valeur, ast.IfExp):
        return _un_verdict(valeur.body) and _un_verdict(valeur.orelse)
    return isinstance(valeur, ast.Call) and getattr(valeur.func, "id", "") in ("Verdict", "_non_rejouable")


def test_un_outil_qui_rend_le_reseau_est_trouve():
    outil = "def _bruit_predit(x_t, t):\n    return model([x_t[None, :, :, None], np.full((1, 1), t / T)])\n"
    assert outils_qui_rendent_le_reseau(outil) == ["_bruit_predit"]
    assert outils_qui_rendent_le_reseau("def verification_ex7():\n    return model([1, 2])\n") == ["verification_ex7"]


def test_le_code_visible_des_verifications_tient_en_moins_de_60_lignes():
    """Une vérification, c'est un appel et son commentaire : hors cellule des outils (repliée),
    tout le code de vérification que voit l'étudiant, bilan compris, tient en moins de 60 lignes."""
    nb = json.loads(NOTEBOOK_ETUDIANT.read_text(encoding="utf-8"))
    cellules = [c for c in nb["cells"] if c["cell_type"] == "code"
                and (c["metadata"].get("nbgrader", {}).get("grade") or
                     c["metadata"].get("nbgrader", {}).get("grade_id") == "bilan")]
    lignes = ["".join(c["source"]).splitlines() for c in cellules]
    assert len(cellules) == 12 and all(len(texte) <= 5 for texte in lignes)
    assert sum(map(len, lignes)) < 60
