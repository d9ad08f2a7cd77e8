"""Le juge : un petit classifieur MNIST entraîné sur de vrais chiffres que le modèle de
diffusion n'a jamais vus, et la distance de Fréchet dans son espace de caractéristiques."""
import numpy as np
from tensorflow import keras


def vers_entree_juge(images, echelle="reel"):
    """Images -> (N, 28, 28, 1) dans [0, 1].

    ``reel`` : pixels 0..255 ; ``tp`` : valeurs du TP (normalize : (p - 128) / 128), telles
    qu'échantillonnées ; on inverse la normalisation puis on coupe à [0, 255]."""
    x = np.asarray(images, dtype="float32").reshape(-1, 28, 28)
    if echelle == "tp":
        x = np.clip(x * 128.0 + 128.0, 0.0, 255.0)
    return (x / 255.0)[..., None]


class Juge:
    def __init__(self, seed=0):
        keras.utils.set_random_seed(seed)
        entree = keras.Input((28, 28, 1))
        h = keras.layers.Conv2D(32, 3, activation="relu")(entree)
        h = keras.layers.MaxPooling2D()(h)
        h = keras.layers.Conv2D(64, 3, activation="relu")(h)
        h = keras.layers.MaxPooling2D()(h)
        h = keras.layers.Flatten()(h)
        traits = keras.layers.Dense(128, activation="relu", name="traits")(h)
        sortie = keras.layers.Dense(10, activation="softmax")(keras.layers.Dropout(0.3)(traits))
        self.modele = keras.Model(entree, sortie)
        self.extracteur = keras.Model(entree, [traits, sortie])
        self.modele.compile(optimizer=keras.optimizers.Adam(1e-3),
                            loss="sparse_categorical_crossentropy", metrics=["accuracy"])

    def entrainer(self, images, labels, epochs=8):
        self.modele.fit(vers_entree_juge(images), np.asarray(labels, "int64"), epochs=epochs,
                        batch_size=64, verbose=0)

    def precision(self, images, labels, echelle="reel"):
        _, proba = self.predire(images, echelle)
        return float(np.mean(proba.argmax(1) == np.asarray(labels)))

    def predire(self, images, echelle="reel"):
        x = vers_entree_juge(images, echelle)
        traits, probas = [], []
        for i in range(0, len(x), 500):
            t, p = self.extracteur(x[i:i + 500], training=False)
            traits.append(np.asarray(t, "float64"))
            probas.append(np.asarray(p, "float64"))
        return np.concatenate(traits), np.concatenate(probas)


def statistiques(traits):
    return traits.mean(0), np.cov(traits, rowvar=False)


def distance_de_frechet(stats1, stats2):
    (mu1, s1), (mu2, s2) = stats1, stats2
    # Tr(racine(S1 S2)) = somme des racines des valeurs propres de S1^1/2 S2 S1^1/2 (symétrique,
    # positive) : stable même si des caractéristiques ReLU sont mortes (covariance singulière).
    vp, vecp = np.linalg.eigh(s1)
    r1 = (vecp * np.sqrt(np.clip(vp, 0, None))) @ vecp.T
    trace_racine = np.sum(np.sqrt(np.clip(np.linalg.eigvalsh(r1 @ s2 @ r1), 0, None)))
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * trace_racine)


def evaluer(juge, images, echelle, stats_reference, labels_voulus=None):
    """Part de confiance > 0,9, histogramme des classes, FD (et, si ``labels_voulus``, part
    classée comme le chiffre demandé)."""
    traits, probas = juge.predire(images, echelle)
    classes = probas.argmax(1)
    hist = np.bincount(classes, minlength=10) / len(classes)
    res = {
        "n": int(len(classes)),
        "confiants": float(np.mean(probas.max(1) > 0.9)),
        "histogramme": [round(float(h), 4) for h in hist],
        "classe_min": float(hist.min()),
        "classe_max": float(hist.max()),
        "fd": distance_de_frechet(statistiques(traits), stats_reference),
    }
    if labels_voulus is not None:
        labels_voulus = np.asarray(labels_voulus).reshape(-1)
        res["classes_comme_demande"] = float(np.mean(classes == labels_voulus))
        res["classes_comme_demande_et_confiants"] = float(
            np.mean((classes == labels_voulus) & (probas.max(1) > 0.9)))
    return res
