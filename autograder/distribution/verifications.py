#@title Outils des vérifications (rien à compléter ; code masqué)
# Les vérifications comparent vos résultats à des empreintes (hachages) des résultats attendus :
# elles jugent ce que produit votre code, sans en montrer le calcul. Par exemple, x_t calculé à
# chaque étape t est décomposé en a * x_{t-1} + b * epsilon (moindres carrés), et les nombres a et b
# sont comparés aux empreintes des bons coefficients. Chaque cellule de vérification appelle une
# fonction de cette cellule ; bilan() résume leurs derniers résultats. Ce code est celui du
# module autograder/distribution/verifications.py du dépôt du cours, recopié ici par « make student ».
import functools
import hashlib
import json  # noqa: F401 (lit les données des empreintes, en fin de cellule)

import numpy as np  # noqa: F811 (déjà importé par le notebook)

# T, beta, x, model... : les variables du notebook (cellules au-dessus).


def _empreinte(valeur, decimales=3):
    """Empreinte (hachage) d'un nombre arrondi à `decimales` chiffres après la virgule."""
    return hashlib.sha256(f"{round(float(valeur), decimales) + 0.0:.{decimales}f}".encode()).hexdigest()[:12]


def _reconnu(valeur, empreintes, decimales=3):
    """Vrai si le nombre, à une unité du dernier chiffre près, a l'une de ces empreintes."""
    pas = 10.0 ** -decimales
    return np.isfinite(valeur) and any(_empreinte(valeur + k * pas, decimales) in empreintes for k in (-1, 0, 1))


def _table(verification, nom):
    """Empreintes {t: (coefficient 1, coefficient 2, ...)} d'une vérification, lues dans les données."""
    return {int(t_): tuple(set(colonne) for colonne in colonnes)
            for t_, colonnes in _EMPREINTES["tables"][verification][nom].items()}


def _scalaire(verification, nom):
    """Empreinte (à 9 décimales) d'un nombre attendu par une vérification, lue dans les données."""
    return {_EMPREINTES["scalaires"][verification][nom]}


def _coefficients(cible, *termes):
    """Nombres (a, b, ...) tels que cible = a * termes[0] + b * termes[1] + ..., au mieux
    (moindres carrés), et l'écart relatif qui reste (0 si la décomposition est exacte)."""
    A = np.stack([np.ravel(np.asarray(u, dtype=float)) for u in termes], axis=1)
    y = np.ravel(np.asarray(cible, dtype=float))
    c = np.linalg.lstsq(A, y, rcond=None)[0]
    return c, float(np.linalg.norm(A @ c - y) / max(np.linalg.norm(y), 1e-12))


def _pas_non_remplis(tableau):
    """Les étapes t où le tableau contient encore des NaN (pas encore calculées)."""
    return [t_ for t_ in range(len(tableau)) if np.isnan(np.asarray(tableau[t_], dtype=float)).any()]


def _generateur_global_comme(etat):
    """Vrai si le générateur global de NumPy (np.random.*) est exactement dans l'état `etat`
    (celui d'un RandomState qui a fait les tirages attendus depuis la graine)."""
    a, b = np.random.get_state(), etat.get_state()
    return a[0] == b[0] and np.array_equal(a[1], b[1]) and a[2:4] == b[2:4] and (not a[3] or a[4] == b[4])


def _execution_en_cours():
    """Numéro de la cellule en cours d'exécution (None hors d'un notebook)."""
    try:
        return getattr(get_ipython(), "execution_count", None)
    except NameError:
        return None


class PasEncoreFait(AssertionError):
    """La réponse contient encore un `...` à compléter (ou sa cellule n'a pas été exécutée)."""


class Verdict(str):
    """Le message final d'une vérification ; `complet` : vrai seulement si tout a été jugé."""
    def __new__(cls, message, complet=True):
        verdict = super().__new__(cls, message)
        verdict.complet = complet
        return verdict


def _exiger(condition, message):
    """Comme assert, pour une réponse pas encore complétée (bilan : « pas encore fait »)."""
    if not condition:
        raise PasEncoreFait(message)


#: Résultat de la dernière exécution de chaque vérification (lu par bilan()).
_RESULTATS = {}


def _retenue(nom, extraction=False):
    """Décorateur : retient l'état de la dernière exécution de la vérification `nom` (pour une
    extraction, le code fourni qui appelle le vôtre avant la vérification : son échec seulement)."""
    def decorer(fonction):
        @functools.wraps(fonction)
        def executer_et_retenir(*args):
            if extraction:
                _RESULTATS.pop(nom, None)
            try:
                resultat = fonction(*args)
            except PasEncoreFait as erreur:
                _RESULTATS[nom] = ("pas encore fait", str(erreur))
                raise
            except NameError as erreur:
                _RESULTATS[nom] = ("à revoir", str(erreur)) if isinstance(erreur, UnboundLocalError) else (
                    "pas encore fait", f"une cellule au-dessus n'a pas été exécutée ({erreur})")
                raise
            except Exception as erreur:
                _RESULTATS[nom] = ("à revoir", str(erreur) or type(erreur).__name__)
                raise
            if not extraction:
                _RESULTATS[nom] = ("ok", "") if resultat.complet else ("pas vérifié en entier", str(resultat))
            return resultat
        return executer_et_retenir
    return decorer


def _non_rejouable(exercice, juge):
    """Le verdict d'une vérification dont les tirages ne sont pas ceux que l'on sait rejouer."""
    return Verdict(f"Exercice {exercice} : pas encore vérifié en entier ({juge}) ; relancez la cellule de "
                   "la graine, puis la vôtre, puis cette vérification.", complet=False)


class _Enregistreur:
    """Enveloppe le réseau et note les appels de la dernière exécution de cellule qui l'a appelé :
    (entrée image, entrée pas, sortie ou None si l'appel a échoué). Le réseau s'utilise exactement
    comme avant (appel direct ou predict)."""
    def __init__(self, modele):
        self._modele, self.appels, self._execution = modele, [], None
    def _appeler(self, fonction, entrees, *args, **kwargs):
        if _execution_en_cours() != self._execution:   # nouvelle exécution : on recompte depuis zéro
            self.appels, self._execution = [], _execution_en_cours()
        self.appels.append([np.array(entrees[0], dtype=float), np.array(entrees[1], dtype=float), None])
        sortie = fonction(entrees, *args, **kwargs)
        self.appels[-1][2] = np.array(sortie, dtype=float)
        return sortie
    def __call__(self, entrees, *args, **kwargs):
        return self._appeler(self._modele, entrees, *args, **kwargs)
    def predict(self, entrees, *args, **kwargs):
        return self._appeler(self._modele.predict, entrees, *args, **kwargs)
    def predict_on_batch(self, entrees, *args, **kwargs):
        return self._appeler(self._modele.predict_on_batch, entrees, *args, **kwargs)
    def __getattr__(self, nom):
        return getattr(self._modele, nom)


# ------------------------------------------------------------------ ce que lisent les vérifications
@_retenue("ex5a", extraction=True)
def _extraire_ex5a(sequence, images, beta_):
    """self.alpha et self.alpha_barre d'une séquence construite sur ces images."""
    seq = sequence(images, 32, beta_)
    return seq.alpha, seq.alpha_barre


@_retenue("ex5b", extraction=True)
def _extraire_ex5b(sequence, images, beta_):
    """Un lot de toutes les images (deux appels à __getitem__) et ce qu'il faut pour le juger."""
    seq = sequence(images, len(images), beta_)
    (bx, bt), by = seq[0]
    x0 = normalize(seq.x[seq.indices[:len(images)]])
    (_, _), by2 = seq[0]                         # un second appel : le bruit doit être tiré à nouveau
    return bx, bt, by, x0, np.asarray(seq.alpha_barre, dtype=float), by2


@_retenue("ex6", extraction=True)
def _extraire_ex6():
    """Les pertes de l'entraînement (une par epoch)."""
    _exiger("historique" in globals(), "Lancez d'abord la cellule d'entraînement ci-dessus.")
    return np.asarray(historique.history["loss"])


# ------------------------------------------------------------------ une fonction par vérification
@_retenue("ex1")
def verification_ex1():
    _exiger(beta is not ..., "Complétez d'abord la ligne beta = ... ci-dessus.")
    assert isinstance(beta, np.ndarray), "beta doit être un tableau NumPy (np.ndarray)."
    assert beta.shape == (T + 1,), f"beta doit contenir T+1 = {T + 1} valeurs, la première égale à 0 (ici : forme {beta.shape})."
    assert beta[0] == 0, f"beta[0] doit valoir 0 (pas de bruit au pas t = 0) ; ici beta[0] = {beta[0]}."
    assert np.isclose(beta[1], beta_1) and np.isclose(beta[T], beta_T), "beta[1] doit valoir beta_1 = 0.1 et beta[T] doit valoir beta_T = 0.8."
    assert np.allclose(np.diff(beta[1:]), (beta_T - beta_1) / (T - 1)), "Les beta_t doivent être répartis linéairement (écart constant) entre beta_1 et beta_T."
    return Verdict("Exercice 1 : correct.")


@_retenue("ex2a")
def verification_ex2a():
    _exiger(alpha is not ... and alpha_barre is not ..., "Complétez d'abord alpha = ... et alpha_barre = ... ci-dessus.")
    assert np.shape(alpha) == np.shape(beta), f"alpha doit avoir la même forme que beta, {np.shape(beta)} : une valeur par pas t = 0..T."
    assert np.allclose(np.asarray(alpha) + beta, 1), "Pour chaque t, alpha_t doit valoir 1 - beta_t."
    assert np.shape(alpha_barre) == np.shape(alpha), "alpha_barre doit avoir la même forme que alpha."
    assert np.isclose(alpha_barre[0], alpha[0]) and np.allclose(np.asarray(alpha_barre)[1:], np.asarray(alpha_barre)[:-1] * np.asarray(alpha)[1:]), \
        "alpha_barre_t doit être le produit des alpha_s pour s allant jusqu'à t (un produit, pas une somme)."
    return Verdict("Exercice 2 (alpha, alpha_barre) : correct.")


@_retenue("ex2b")
def verification_ex2b():
    _exiger(mu_x_T is not ... and sigma_x_T is not ..., "Complétez d'abord mu_x_T = ... et sigma_x_T = ... ci-dessus.")
    if not _reconnu(alpha_barre[T], _scalaire("ex2b_verif", "alpha_barre[T]"), 9):
        return Verdict("Exercice 2 (moyenne, variance) : pas encore vérifié, car alpha_barre n'a pas encore les "
                       "valeurs attendues (voir la vérification précédente) : corrigez-le d'abord, puis relancez "
                       "cette vérification ; la moyenne et la variance de x_T en dépendent.", complet=False)
    assert np.size(mu_x_T) == 1 and np.size(sigma_x_T) == 1, "mu_x_T et sigma_x_T doivent être deux nombres (un pixel de valeur x_0 = 1)."
    assert _reconnu(mu_x_T, _scalaire("ex2b_verif", "mu_x_T"), 9), \
        f"mu_x_T = {float(mu_x_T):.6g} n'est pas la moyenne de x_T pour x_0 = 1 : relisez la formule de q(x_T | x_0)."
    assert not _reconnu(sigma_x_T, _scalaire("ex2b_verif", "ecart_type_x_T"), 9), \
        "sigma_x_T contient l'écart-type de x_T ; la question demande la variance (le carré de l'écart-type)."
    assert _reconnu(sigma_x_T, _scalaire("ex2b_verif", "sigma_x_T"), 9), \
        f"sigma_x_T = {float(sigma_x_T):.6g} n'est pas la variance de x_T : relisez la formule de q(x_T | x_0)."
    return Verdict("Exercice 2 (moyenne, variance) : correct.")


def _bruits_ex3_ex4(graine):
    """Vérifie x[0] et epsilon ; les bruits rejoués depuis la graine, ou None s'ils ne sont pas
    ceux que vous avez tirés (message affiché)."""
    assert np.shape(x) == (T + 1, 28, 28), f"x doit avoir la forme (T+1, 28, 28) ; ici {np.shape(x)}."
    k = min(_pas_non_remplis(x), default=None)         # première étape non calculée
    if k is not None:
        raise AssertionError(f"La cellule s'est arrêtée à t = {k} : lisez l'erreur ci-dessus." if k == t
                             else f"x[{k}] n'a pas été calculé : la boucle doit remplir x[t] pour t = 0, ..., T.")
    assert np.allclose(x[0], x_0), "x[0] doit être l'image de départ x_0."
    _exiger(epsilon is not ..., "Complétez d'abord epsilon = ... ci-dessus.")
    assert np.shape(epsilon) == (28, 28), "epsilon doit être un bruit de la taille de l'image, (28, 28)."
    assert abs(np.mean(epsilon)) < 0.25 and 0.8 < np.std(epsilon) < 1.2, "epsilon doit suivre une loi normale centrée réduite N(0, 1)."
    rejeu = np.random.RandomState(graine)               # la graine de la cellule d'avant
    bruits = [None] + [rejeu.standard_normal((28, 28)) for _ in range(T)]
    if _generateur_global_comme(rejeu):                 # vos tirages sont-ils ceux que l'on sait rejouer ?
        return bruits
    print("Vos bruits ne sont pas ceux que la vérification sait rejouer : relancez la cellule de la graine,\n"
          "puis la vôtre, et tirez chaque epsilon avec le générateur global de NumPy (np.random.*, pas\n"
          "np.random.default_rng), un tirage par étape. La vérification visible ne juge donc que x[0] et epsilon ;\n"
          "la correction, elle, vérifie la loi de x_t à chaque étape.")
    return None


@_retenue("ex3")
def verification_ex3():
    bruits = _bruits_ex3_ex4(3)
    if bruits is None:
        return _non_rejouable(3, "seuls x[0] et epsilon ont été jugés")
    # Empreintes, pour chaque étape t, des deux nombres a et b tels que x_t = a * x_{t-1} + b * epsilon_t.
    attendu, faute_bruit = _table("ex3_verif", "_ATTENDU"), _table("ex3_verif", "_FAUTE_BRUIT")
    for t_ in range(1, T + 1):
        (a, b), ecart = _coefficients(x[t_], x[t_ - 1], bruits[t_])
        assert ecart < 1e-6, f"À l'étape t = {t_}, x_t ne s'écrit pas a * x_{{t-1}} + b * epsilon avec le bruit tiré à cette étape."
        assert _reconnu(a, attendu[t_][0]), f"À l'étape t = {t_}, le coefficient de x_{{t-1}} vaut {a:.4f} : ce n'est pas le bon (relisez la formule)."
        assert not _reconnu(b, faute_bruit[t_][0]), f"À l'étape t = {t_}, le coefficient de epsilon vaut beta_t = {b:.4f} : il faut sa racine carrée."
        assert _reconnu(b, attendu[t_][1]), f"À l'étape t = {t_}, le coefficient de epsilon vaut {b:.4f} : ce n'est pas le bon (relisez la formule)."
    return Verdict("Exercice 3 : correct.")


@_retenue("ex4")
def verification_ex4():
    bruits = _bruits_ex3_ex4(4)
    if bruits is None:
        return _non_rejouable(4, "seuls x[0] et epsilon ont été jugés")
    # Empreintes, pour chaque étape t, des deux nombres a et b tels que x_t = a * x_0 + b * epsilon_t.
    attendu, faute_alpha = _table("ex4_verif", "_ATTENDU"), _table("ex4_verif", "_FAUTE_ALPHA")
    for t_ in range(1, T + 1):
        (a, b), ecart = _coefficients(x[t_], x_0, bruits[t_])
        assert ecart < 1e-6, f"À l'étape t = {t_}, x_t ne s'écrit pas a * x_0 + b * epsilon avec le bruit tiré à cette étape."
        assert t_ == 1 or not _reconnu(a, faute_alpha[t_][0]), \
            f"À l'étape t = {t_}, x_t est calculé avec alpha_t : la diffusion directe utilise alpha_barre_t, le produit des alpha_s."
        assert _reconnu(a, attendu[t_][0]), f"À l'étape t = {t_}, le coefficient de x_0 vaut {a:.4f} : ce n'est pas le bon (relisez la formule)."
        assert _reconnu(b, attendu[t_][1]), f"À l'étape t = {t_}, le coefficient de epsilon vaut {b:.4f} : ce n'est pas le bon (relisez la formule)."
    return Verdict("Exercice 4 : correct.")


@_retenue("ex5a")
def verification_ex5a(releve):
    seq_alpha, seq_alpha_barre = releve
    _exiger(seq_alpha is not ... and seq_alpha_barre is not ..., "Complétez d'abord self.alpha = ... et self.alpha_barre = ... dans __init__.")
    assert np.shape(seq_alpha) == (T + 1,) and np.allclose(seq_alpha, alpha), "self.alpha doit contenir les alpha_t, comme alpha dans l'exercice 2."
    assert np.shape(seq_alpha_barre) == (T + 1,) and np.allclose(seq_alpha_barre, alpha_barre), "self.alpha_barre doit contenir les alpha_barre_t, comme alpha_barre dans l'exercice 2."
    if not _reconnu(alpha_barre[T], _scalaire("ex2b_verif", "alpha_barre[T]"), 9):
        return Verdict("Exercice 5 (__init__) : pas encore vérifié, car alpha_barre (exercice 2) n'a pas encore les "
                       "valeurs attendues : corrigez-le d'abord, puis relancez cette vérification ; self.alpha_barre "
                       "est comparé à alpha_barre.", complet=False)
    return Verdict("Exercice 5 (__init__) : correct.")


@_retenue("ex5b")
def verification_ex5b(releve):
    bx, bt, by, x0, seq_alpha_barre, _ = releve
    n = len(x0)
    bx, bt, by = np.asarray(bx, dtype=float), np.asarray(bt, dtype=float).reshape(-1), np.asarray(by, dtype=float)
    assert by.shape == (n, 28, 28), f"batch_y doit être un bruit de forme (B, 28, 28) = {(n, 28, 28)} ; ici {by.shape}."
    assert abs(by.mean()) < 0.05 and abs(by.std() - 1) < 0.05, "batch_y doit suivre une loi normale centrée réduite N(0, 1)."
    assert bt.shape == (n,), f"batch_t doit contenir une étape t par image : {n} valeurs ici."
    etapes = np.rint(bt * T).astype(int)
    assert np.allclose(bt * T, etapes), "batch_t doit contenir des étapes entières t (avant la division par T déjà écrite)."
    assert etapes.min() >= 1 and etapes.max() <= T, f"Les étapes t doivent être tirées entre 1 et T inclus ; ici entre {etapes.min()} et {etapes.max()}."
    assert len(np.unique(etapes)) == T, "Toutes les étapes t de 1 à T doivent pouvoir être tirées (attention à la borne supérieure de np.random.randint, exclue)."
    assert bx.size == n * 28 * 28, f"batch_x doit contenir {n} images 28 × 28 ; ici {bx.shape}."
    if not all(_reconnu(seq_alpha_barre[k], {_empreinte(alpha_barre[k], 9)}, 9) for k in range(T + 1)) \
            or not _reconnu(alpha_barre[T], _scalaire("ex2b_verif", "alpha_barre[T]"), 9):
        return Verdict("Exercice 5 (__getitem__) : pas encore vérifié, car self.alpha_barre n'a pas encore les valeurs "
                       "attendues (voir la vérification précédente) : corrigez-le d'abord, puis relancez cette "
                       "vérification ; batch_x en dépend.", complet=False)
    # Empreintes, pour chaque étape t, des deux nombres a et b tels que x_t = a * x_0 + b * epsilon (comme à l'exercice 4).
    attendu = _table("ex5b_verif", "_ATTENDU")
    for i in range(n):
        (a, b), ecart = _coefficients(bx.reshape(n, 28, 28)[i], x0[i], by[i])
        assert ecart < 1e-6 and _reconnu(a, attendu[etapes[i]][0]) and _reconnu(b, attendu[etapes[i]][1]), \
            (f"batch_x[{i}] (étape t = {etapes[i]}) n'est pas x_t = a * x_0 + b * epsilon avec les bons coefficients "
             f"(ici a = {a:.4f}, b = {b:.4f}) : utilisez le t et le bruit batch_y[i] de l'image i, et relisez la formule.")
    return Verdict("Exercice 5 (__getitem__) : correct.")


@_retenue("ex6")
def verification_ex6(pertes):
    assert np.all(np.isfinite(pertes)), "La perte contient des valeurs infinies ou NaN : vérifiez les entrées produites par DiffusionSequence."
    assert pertes[-1] < 0.7, f"La perte finale ({pertes[-1]:.3f}) devrait être bien en dessous de 1,0, la perte d'un réseau qui prédit toujours 0. Vérifiez DiffusionSequence."
    return Verdict(f"Exercice 6 : l'entraînement a fonctionné (perte finale {pertes[-1]:.3f}).")


@_retenue("ex7")
def verification_ex7():
    def bruit(image, etape_vue):        # ce que le réseau prédit pour cette image et cette entrée d'étape
        return np.asarray(model([np.reshape(image, (1, 28, 28, 1)), np.full((1, 1), etape_vue / T)],
                                training=False)).reshape(28, 28)
    assert np.shape(denoised) == (T + 1, 28, 28), f"denoised doit avoir la forme (T+1, 28, 28) ; ici {np.shape(denoised)}."
    assert np.shape(x) == (T + 1, 28, 28), f"x doit avoir la forme (T+1, 28, 28) ; ici {np.shape(x)}."
    vides = {"x": _pas_non_remplis(x), "denoised": _pas_non_remplis(denoised)}
    k = min(vides["x"] + vides["denoised"], default=None)   # première étape non calculée, dans l'un ou l'autre
    if k is not None:
        raise AssertionError(f"La cellule s'est arrêtée à t = {k} : lisez l'erreur ci-dessus." if k == t else
                             f"{'x' if k in vides['x'] else 'denoised'}[{k}] n'a pas été calculé : "
                             "la boucle doit remplir x[t] et denoised[t] pour t = 0, ..., T.")
    _exiger(epsilon_theta_xt_t is not ..., "Complétez d'abord epsilon_theta_xt_t = ... ci-dessus.")
    assert np.size(epsilon_theta_xt_t) == 28 * 28, "epsilon_theta_xt_t doit contenir une image de bruit prédit (28 × 28 valeurs)."
    eps = np.asarray(epsilon_theta_xt_t, dtype=float).reshape(28, 28)
    if np.allclose(eps, bruit(x[T], T * T), atol=1e-4):
        raise AssertionError("Le réseau reçoit l'étape t telle quelle : donnez-lui l'étape normalisée t/T, comme dans DiffusionSequence.")
    assert np.allclose(eps, bruit(x[T], T), atol=1e-4), \
        "epsilon_theta_xt_t doit être la prédiction du réseau pour x_t et l'étape normalisée t/T (voir l'appel donné au-dessus de l'exercice)."
    # Empreintes, pour chaque étape t, des deux nombres a et b tels que x^_0 = a * x_t + b * epsilon_theta(x_t, t).
    attendu, faute_racine = _table("ex7_verif", "_ATTENDU"), _table("ex7_verif", "_FAUTE_RACINE")
    for t_ in range(1, T + 1):
        (a, b), ecart = _coefficients(denoised[t_], x[t_], bruit(x[t_], t_))
        assert ecart < 1e-4, f"À l'étape t = {t_}, denoised[t] ne s'écrit pas a * x_t + b * epsilon_theta(x_t, t) : relisez la formule."
        assert not _reconnu(a, faute_racine[t_][0]), f"À l'étape t = {t_}, denoised est divisé par alpha_barre_t : il faut diviser par sa racine carrée."
        assert _reconnu(a, attendu[t_][0]) and _reconnu(b, attendu[t_][1]), \
            f"À l'étape t = {t_}, denoised[t] = {a:.4f} * x_t + ({b:.4f}) * epsilon_theta : ces coefficients ne sont pas ceux de la formule."
    return Verdict("Exercice 7 : correct.")


@_retenue("ex8")
def verification_ex8():
    def bruit(image, etape):            # ce que le réseau prédit pour cette image à cette étape
        return np.asarray(model([np.reshape(image, (1, 28, 28, 1)), np.full((1, 1), etape / T)],
                                training=False)).reshape(28, 28)
    assert np.shape(x) == (T + 1, 28, 28), f"x doit avoir la forme (T+1, 28, 28) ; ici {np.shape(x)}."
    vides = _pas_non_remplis(x)
    k = max(vides, default=None)        # la boucle va de T vers 0 : première étape non calculée
    if k is not None:
        raise AssertionError(f"La cellule s'est arrêtée à t = {t} : lisez l'erreur ci-dessus." if k == t - 1
                             else f"x[{k}] n'a pas été calculé : la boucle doit parcourir t = T, T-1, ..., 1 (t = 1 inclus), et calculer x[t-1].")
    assert t == 1, f"La boucle doit se terminer par t = 1 (ici, dernier t = {t})."
    _exiger(z is not ..., "Complétez d'abord z = ... ci-dessus.")
    assert np.allclose(z, 0), "À la dernière étape (t = 1), z doit être nul : on n'ajoute pas de bruit à l'image finale."
    # Empreintes, pour chaque étape t, des nombres a, b, c tels que x_(t-1) = a * x_t + b * epsilon_theta(x_t, t) + c * z.
    attendu = _table("ex8_verif", "_ATTENDU")
    rejeu = np.random.RandomState(8)                 # la graine de la cellule d'avant
    xT_rejoue = rejeu.standard_normal((28, 28))
    bruits_z = {T - j: rejeu.standard_normal((28, 28)) for j in range(T - 1)}   # z_T, ..., z_2, dans l'ordre des tirages
    bruits_z[1] = np.zeros((28, 28))
    rejouable = np.allclose(x[T], xT_rejoue) and _generateur_global_comme(rejeu)
    if not rejouable:
        print("Vos tirages de z ne sont pas ceux que la vérification sait rejouer : relancez la cellule de la graine,\n"
              "puis la vôtre, et tirez z avec le générateur global de NumPy (np.random.*), un tirage par étape t > 1.\n"
              "La vérification visible ne juge donc que la dernière étape (t = 1, sans bruit) ; la correction juge les autres.")
    for t_ in (range(1, T + 1) if rejouable else [1]):
        termes = (x[t_], bruit(x[t_], t_)) + ((bruits_z[t_],) if t_ > 1 else ())
        c, ecart = _coefficients(x[t_ - 1], *termes)
        assert ecart < 1e-4, (f"À l'étape t = {t_}, x_(t-1) ne s'écrit pas a * x_t + b * epsilon_theta(x_t, t)"
                              + (" + c * z avec le z tiré à cette étape" if t_ > 1 else "") + " : relisez l'algorithme 2.")
        assert _reconnu(c[0], attendu[t_][0]), f"À l'étape t = {t_}, le coefficient de x_t vaut {c[0]:.4f} : ce n'est pas celui de l'algorithme 2."
        assert _reconnu(c[1], attendu[t_][1]), f"À l'étape t = {t_}, le coefficient de epsilon_theta vaut {c[1]:.4f} : ce n'est pas celui de l'algorithme 2 (étape normalisée t/T ?)."
        assert t_ == 1 or _reconnu(c[2], attendu[t_][2]), f"À l'étape t = {t_}, le coefficient de z vaut {c[2]:.4f} : ce n'est pas sigma_t de l'algorithme 2."
    return Verdict("Exercice 8 : correct.") if rejouable else _non_rejouable(8, "seule la dernière étape, t = 1, a été jugée")


@_retenue("ex9")
def verification_ex9():
    assert isinstance(model, _Enregistreur), "Relancez la cellule de la graine juste au-dessus de l'exercice 9, puis la vôtre."
    appels = list(model.appels)             # les appels au réseau de la dernière exécution de votre cellule
    _exiger(x_T is not ..., "Complétez d'abord x_T = ... ci-dessus.")
    assert np.shape(x_T)[:3] == (50, 28, 28) and np.size(x_T) == 50 * 28 * 28, f"x_T doit contenir 50 images de bruit, forme (50, 28, 28) ; ici {np.shape(x_T)}."
    xT = np.asarray(x_T, dtype=float).reshape(50, 28, 28)
    assert np.std(xT, axis=0).mean() > 0.8, "Les 50 images de départ doivent être des bruits différents : tirez un bruit par image."
    if appels and appels[-1][2] is None:
        raise AssertionError(f"La cellule s'est arrêtée à t = {t}, à l'appel du réseau : lisez l'erreur ci-dessus. "
                             "Le réseau attend une étape normalisée par image : un tableau de forme (50, 1).")
    if appels and t != 1 and np.array_equal(np.asarray(appels[-1][0], dtype=float).reshape(np.shape(x_t)), np.asarray(x_t, dtype=float)):
        raise AssertionError(f"La cellule s'est arrêtée à t = {t} : lisez l'erreur ci-dessus.")
    assert t == 1, f"La boucle doit se terminer par t = 1 (ici, dernier t = {t})."
    _exiger(z is not ..., "Complétez d'abord z = ... ci-dessus.")
    assert np.allclose(z, 0), "À la dernière étape (t = 1), z doit être nul : on n'ajoute pas de bruit aux images finales."
    assert np.shape(x_t) == np.shape(x_T), f"x_t doit garder la forme de x_T, {np.shape(x_T)} ; ici {np.shape(x_t)}."
    _exiger(epsilon_theta_xt_t is not ..., "Complétez d'abord epsilon_theta_xt_t = ... ci-dessus.")
    assert np.size(epsilon_theta_xt_t) == 50 * 28 * 28, "epsilon_theta_xt_t doit contenir le bruit prédit pour les 50 images (un seul appel au réseau par étape)."
    assert len(appels) == T, f"Le réseau doit être appelé une fois par étape t, sur les 50 images à la fois : {len(appels)} appels ici, pour T = {T} étapes."
    etapes = [np.asarray(ti, dtype=float).reshape(-1) for _, ti, _ in appels]
    assert all(np.size(xi) == 50 * 28 * 28 for xi, _, _ in appels), "Chaque appel au réseau doit porter sur les 50 images."
    vues = [int(round(e[0] * T)) for e in etapes]
    assert vues[0] == T and vues[-1] == 1 and all(b == a - 1 for a, b in zip(vues, vues[1:], strict=False)) and all(np.allclose(e, e[0]) for e in etapes), \
        "Le réseau doit recevoir, à chaque étape, l'étape normalisée t/T pour chacune des 50 images, de t = T à t = 1."
    # Empreintes, pour chaque étape t, des nombres a, b, c tels que x_(t-1) = a * x_t + b * epsilon_theta(x_t, t) + c * z.
    attendu, faute_alpha_barre = _table("ex9_verif", "_ATTENDU"), _table("ex9_verif", "_FAUTE_ALPHA_BARRE")
    rejeu = np.random.RandomState(9)                 # la graine de la cellule d'avant
    xT_rejoue = rejeu.standard_normal((50, 28, 28))
    bruits_z = {T - j: rejeu.standard_normal((50, 28, 28)) for j in range(T - 1)}   # z_T, ..., z_2, dans l'ordre des tirages
    bruits_z[1] = np.zeros((50, 28, 28))
    rejouable = np.allclose(xT, xT_rejoue) and _generateur_global_comme(rejeu)
    if not rejouable:
        un_bruit = np.random.RandomState(9)
        un_bruit.standard_normal((50, 28, 28))
        for _ in range(T - 1):
            un_bruit.standard_normal((28, 28))
        assert not (np.allclose(xT, xT_rejoue) and _generateur_global_comme(un_bruit)), \
            "Vous tirez un seul bruit z (28, 28) pour les 50 images : tirez un bruit par image, de forme (50, 28, 28)."
        print("Vos tirages ne sont pas ceux que la vérification sait rejouer : relancez la cellule de la graine,\n"
              "puis la vôtre, et tirez x_T et z avec le générateur global de NumPy (np.random.*), un tirage par étape t > 1.\n"
              "La vérification visible ne juge donc que la dernière étape (t = 1, sans bruit) ; la correction juge les autres.")
    suivants = [np.asarray(a[0], dtype=float).reshape(50, 28, 28) for a in appels[1:]] + [np.asarray(x_t, dtype=float).reshape(50, 28, 28)]
    for k in range(T):
        t_ = T - k                                    # l'appel numéro k est celui de l'étape T - k
        if not rejouable and t_ > 1:
            continue
        xe, _, eps_t = appels[k]
        termes = (xe.reshape(50, 28, 28), eps_t.reshape(50, 28, 28)) + ((bruits_z[t_],) if t_ > 1 else ())
        c, ecart = _coefficients(suivants[k], *termes)
        assert ecart < 1e-4, (f"À l'étape t = {t_}, x_(t-1) ne s'écrit pas a * x_t + b * epsilon_theta(x_t, t)"
                              + (" + c * z avec le z tiré à cette étape" if t_ > 1 else "") + " : relisez l'algorithme 2.")
        assert not _reconnu(c[0], faute_alpha_barre[t_][0]) or t_ == 1, \
            f"À l'étape t = {t_}, vous divisez par la racine de alpha_barre_t : l'algorithme 2 divise par la racine de alpha_t."
        assert _reconnu(c[0], attendu[t_][0]), f"À l'étape t = {t_}, le coefficient de x_t vaut {c[0]:.4f} : ce n'est pas celui de l'algorithme 2."
        assert _reconnu(c[1], attendu[t_][1]), f"À l'étape t = {t_}, le coefficient de epsilon_theta vaut {c[1]:.4f} : ce n'est pas celui de l'algorithme 2."
        assert t_ == 1 or _reconnu(c[2], attendu[t_][2]), f"À l'étape t = {t_}, le coefficient de z vaut {c[2]:.4f} : ce n'est pas sigma_t de l'algorithme 2."
    return Verdict("Exercice 9 : correct.") if rejouable else _non_rejouable(9, "seule la dernière étape, t = 1, a été jugée")


# ------------------------------------------------------------------ partie facultative
class _ReseauConstant:
    """Faux réseau qui prédit le même bruit partout (essais de l'échantillonneur facultatif)."""
    class _Sortie(np.ndarray):
        def numpy(self):
            return np.asarray(self)
    def __init__(self, valeur):
        self.valeur = valeur
    def __call__(self, entrees, *args, **kwargs):
        return np.full((len(entrees[0]), 28, 28, 1), self.valeur).view(self._Sortie)


def _essayer_echantillonneur(echantillonner, modele):
    """Un message si l'échantillonneur facultatif n'est pas complété ou fait une erreur classique
    (forme de l'étape, nombre d'appels, intervalle du clipping) ; None sinon, sans rien promettre
    de plus : ce n'est pas une vérification complète."""
    espion = _Enregistreur(getattr(modele, "_modele", modele))
    try:
        echantillonner(espion, 2)
        clip_haut = echantillonner(_ReseauConstant(-50.0), 2, clip=True)   # x^_0 très grand : coupé à 1
        clip_bas = echantillonner(_ReseauConstant(50.0), 2, clip=True)     # x^_0 très petit : coupé à -1
    except TypeError as erreur:
        if "ellipsis" not in str(erreur):
            raise
        return "Partie facultative non faite : complétez echantillonner (cellule précédente) pour comparer les variantes."
    except Exception:
        if espion.appels and espion.appels[-1][2] is None and np.shape(espion.appels[-1][1])[:1] != (2,):
            raise AssertionError("Le réseau attend une étape normalisée par image : un tableau de forme (n, 1) ; "
                                 f"ici {np.shape(espion.appels[-1][1])} pour n = 2 images.") from None
        raise
    if len(espion.appels) != T:
        return f"echantillonner doit appeler le réseau une fois par étape, de t = T à t = 1 : {len(espion.appels)} appels pour T = {T}."
    if not (np.allclose(clip_haut, 1) and np.allclose(clip_bas, -1)):
        return "Avec clip=True, x^_0 doit être coupé à [-1, 1], l'intervalle des images normalisées (np.clip)."
    return None


# ------------------------------------------------------------------ bilan
#: Titre de chaque vérification dans le bilan, dans l'ordre du notebook.
_TITRES = {"ex1": "Exercice 1", "ex2a": "Exercice 2 (alpha, alpha_barre)", "ex2b": "Exercice 2 (moyenne, variance)",
           "ex3": "Exercice 3", "ex4": "Exercice 4", "ex5a": "Exercice 5 (__init__)", "ex5b": "Exercice 5 (__getitem__)",
           "ex6": "Exercice 6", "ex7": "Exercice 7", "ex8": "Exercice 8", "ex9": "Exercice 9"}


def bilan():
    """Une ligne par vérification visible : l'état de sa dernière exécution (les exercices
    réutilisent x, t, epsilon... : chaque vérification juge ces variables au moment où elle
    tourne, juste après sa réponse). Les points sont ceux du barème : la note vient de la
    correction, qui juge aussi ce que ces vérifications ne voient pas."""
    lignes = [(titre, *_RESULTATS.get(nom, ("vérification non lancée", "")), _EMPREINTES["bareme"][f"{nom}_verif"])
              for nom, titre in _TITRES.items()]
    largeur = max(len(titre) for titre, *_ in lignes)
    print(f"{'exercice':<{largeur}} | {'état':<23} | points")
    print("-" * (largeur + 35))
    for titre, etat, raison, points in lignes:
        print(f"{titre:<{largeur}} | {etat:<23} | {points}" + (f"\n{'':<{largeur}} |   {raison[:150]}" if raison else ""))
    faits = sum(points for _, etat, _, points in lignes if etat == "ok")
    print(f"\nVérifications visibles réussies : {faits} points sur {sum(p for *_, p in lignes)} au barème "
          "(état de la dernière exécution de chaque vérification).")
    print("La note vient de la correction, qui juge aussi ce que ces vérifications ne voient pas.\n"
          "Avant de télécharger votre notebook : Exécution > Redémarrer la session et tout exécuter,\n"
          "puis relisez ce bilan.")
