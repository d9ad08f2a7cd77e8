"""Un vrai juge de la classe (processus neuf, Keras) juge des remises à la suite : chaque réseau
relevé reçoit ses propres poids, jamais ceux d'une remise jugée avant (les U-Net construits
sont réutilisés d'une remise à l'autre). Les réponses sont calculées ici avec NumPy.
"""
import os

import numpy as np

from autograder.chemins import RACINE
from autograder.correction.jugement import service
from unitaires.outils import noyau

#: Un « U-Net » minuscule : même contrat que la cellule ``unet`` du maître (``create_unet()``).
UNET = """import keras
def create_unet():
    x, t = keras.Input((2,)), keras.Input((1,))
    return keras.Model([x, t], keras.layers.Dense(2)(keras.layers.Concatenate()([x, t])))
"""
JUGEMENT = """for _r in (model, autre):
    print(np.round(np.asarray(_r([np.ones((1, 2)), np.ones((1, 1))]), dtype=float)[0], 4).tolist())"""


class Reseau:
    """Ce que le noyau relève d'un réseau : ses poids."""

    def __init__(self, graine, forme=(3, 2)):
        rng = np.random.default_rng(graine)
        self.poids = [rng.normal(size=forme), rng.normal(size=forme[-1:])]

    def get_weights(self):
        return self.poids

    def attendu(self):
        return np.round(np.ones(3) @ self.poids[0] + self.poids[1], 4).tolist()


def demande(tmp_path, nom, model, autre):
    dossier = tmp_path / nom
    noyau(dossier, {"model": model, "autre": autre})["_tp_relever"]("q", ["model", "autre"])
    return {"releves": str(dossier / "releves"), "resultats": str(dossier / "jugement.json"), "outils": "",
            "unet": UNET, "verifications": [{"grade_id": "q", "jugement": JUGEMENT, "noms": ["model", "autre"]}]}


def test_chaque_remise_juge_ses_propres_poids(tmp_path):
    a, b, c, d = Reseau(1), Reseau(2), Reseau(3), Reseau(4)
    environnement = {**os.environ, "PYTHONPATH": str(RACINE), "TF_CPP_MIN_LOG_LEVEL": "3"}
    with service.JugesDeLaClasse(tmp_path / "juges", remises_en_parallele=2, environnement=environnement) as juges:
        def juger(nom, model, autre):
            resultat = service.faire_juger(juges.dossier, nom, demande(tmp_path, nom, model, autre), delai=120)
            assert resultat is not None, (juges.dossier / "juges.log").read_text(encoding="utf-8")[-3000:]
            return resultat["q"]

        premier = juger("r1", a, b)
        assert premier == {"sortie": f"{a.attendu()}\n{b.attendu()}\n", "erreur": None}
        faux = juger("r2", Reseau(5, forme=(4, 2)), c)  # des poids d'une autre forme
        assert "ne correspond pas" in faux["erreur"]["evalue"]
        assert juger("r3", c, d)["sortie"] == f"{c.attendu()}\n{d.attendu()}\n"
        assert juger("r4", a, b) == premier
        assert juges.relances == 0


def test_reseaux_releves_bornes(tmp_path):
    """Les relevés viennent du noyau de l'étudiant : le juge (partagé par la classe) ne construit
    pas un U-Net de plus par réseau relevé sans limite, ni pour des poids d'une autre forme."""
    from autograder.correction.jugement import juge

    premier = juge.Juge(demande(tmp_path, "r", Reseau(1), Reseau(2)))
    reseaux = [premier.reseau(Reseau(g).poids, None) for g in range(juge.MAX_RESEAUX + 1)]
    assert not any(isinstance(r, juge.ReseauInvalide) for r in reseaux[:-1])
    assert isinstance(reseaux[-1], juge.ReseauInvalide)
    construits = len(juge._UNETS[UNET])
    second = juge.Juge(demande(tmp_path, "s", Reseau(1), Reseau(2)))
    assert isinstance(second.reseau(Reseau(5, forme=(4, 2)).poids, None), juge.ReseauInvalide)
    nan = [np.full((3, 2), np.nan), np.zeros(2)]
    assert second.reseau(nan, None) is second.reseau([p.copy() for p in nan], None)  # même clé
    assert len(juge._UNETS[UNET]) == construits
