"""Environnement des noyaux qui exécutent le TP hors de Colab (tests, correction)."""
from autograder.chemins import IPYTHONDIR_HORS_LIGNE

#: Mode rapide : 1 epoch sur 2 000 images (62 itérations, 13 s sur 2 cœurs) au lieu de 20 epochs
#: sur 60 000 ; MNIST lu hors ligne ; TensorFlow silencieux sur stderr (nbgrader donne 0 à
#: une cellule de test qui écrit sur stderr).
ENVIRONNEMENT_RAPIDE = {
    "TP_EPOCHS": "1",
    "TP_N_IMAGES": "2000",
    "IPYTHONDIR": str(IPYTHONDIR_HORS_LIGNE),
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "PYTHONWARNINGS": "ignore",
    "KERAS_BACKEND": "tensorflow",
}
