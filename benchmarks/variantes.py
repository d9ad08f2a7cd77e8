"""Registre des variantes comparées par le banc d'essai (un seul endroit).

Une variante = un nom court, une description, le U-Net (celui du maître, ou un constructeur
de ``benchmarks/unets.py``) et la recette d'entraînement (la cellule d'entraînement du maître,
exécutée telle quelle ou modifiée d'UNE ligne vérifiée). La référence, ``maitre``, est le
U-Net et la recette du notebook maître, lus dans le notebook comme avant.

Le budget est le même pour toutes : T = 10, β linéaires 0,1 → 0,8, mêmes epochs, lots de 32,
exercices inchangés. L'EMA (« par défaut » ou non) n'est pas une variante : chaque
exécution évalue aussi les poids moyennés (chemins « EMA 0,999 » du rapport ; « EMA par
défaut » = le chemin « EMA 0,999, σ²=β »). La pondération de la perte par t n'est pas
candidate : il faudrait un poids par image renvoyé par la ``DiffusionSequence`` de
l'exercice 5, que les étudiants écrivent et que le TP ne change pas.
"""
import ast
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REFERENCE = "maitre"
NOM_VALIDE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Variante:
    nom: str
    description: str
    unet: str | None = None        # None : U-Net du maître ; sinon nom d'une fonction de unets.py
    brouillon: bool = False        # U-Net du brouillon (1re convolution sur input_image)
    conditionnel: bool = False     # cellule complementaire_entrainement au lieu d'entrainement
    taux: str | None = None        # None : Adam 1e-3 du maître ; "cosinus" : unets.taux_cosinus
    T: int | None = None           # None : T = 10 du maître ; sinon T étapes, β rééchelonnés

    @property
    def cellule(self) -> str:
        return "complementaire_entrainement" if self.conditionnel else "entrainement"


VARIANTES = {v.nom: v for v in [
    Variante("maitre", "U-Net et recette du notebook maître (référence) : le pas t passe par "
             "Dense(784) + ReLU, image concaténée à l'entrée ; Adam 1e-3"),
    Variante("plongement", "(a) pas t → plongement sinusoïdal (32) → deux Dense(128, swish), "
             "ajouté comme biais par canal après la 1re convolution de chaque bloc ; mêmes "
             "convolutions, Adam 1e-3", unet="create_unet_plongement"),
    Variante("residuel", "(b) = (a) + blocs résiduels et normalisation de groupe (8 groupes), "
             "swish ; largeurs 32/64/128", unet="create_unet_residuel"),
    Variante("cosinus", "(c) = (a) + taux d'apprentissage : échauffement linéaire (5 % des "
             "itérations) jusqu'à 1e-3 puis décroissance en cosinus jusqu'à 0",
             unet="create_unet_plongement", taux="cosinus"),
    Variante("conditionnel-plongement", "(a) conditionnel : plongement appris du label ajouté "
             "au vecteur du pas, donc présent dans chaque bloc ; même recette",
             unet="create_unet_conditionnel_plongement", conditionnel=True),
    Variante("brouillon", "U-Net du brouillon : la 1re convolution lit l'image seule (le pas t "
             "est ignoré)", brouillon=True),
    Variante("conditionnel", "U-Net conditionnel du maître (label en 3e entrée), même recette",
             conditionnel=True),
    Variante("t20", "U-Net et recette du maître avec T = 20 étapes (banc seulement) : β linéaires "
             "rééchelonnés pour garder le même ᾱ_T (beta_reechelonne)", T=20),
    Variante("t50", "U-Net et recette du maître avec T = 50 étapes (banc seulement) : β linéaires "
             "rééchelonnés pour garder le même ᾱ_T (beta_reechelonne)", T=50),
]}

assert all(NOM_VALIDE.match(n) for n in VARIANTES), "noms de variantes : minuscules, chiffres, tirets"


def choisir(texte: str | None) -> list[Variante]:
    """« maitre,plongement » -> variantes du registre (toutes si vide) ; message clair sinon."""
    if not texte:
        return list(VARIANTES.values())
    noms = [n.strip() for n in texte.split(",") if n.strip()]
    inconnues = [n for n in noms if n not in VARIANTES]
    if inconnues:
        raise ValueError(f"variante(s) inconnue(s) : {', '.join(inconnues)} ; connues : "
                         f"{', '.join(VARIANTES)}")
    return [VARIANTES[n] for n in dict.fromkeys(noms)]


def beta_reechelonne(beta, T: int):
    """β de T étapes, linéaires comme ceux du maître puis rééchelonnés pour garder le même
    ᾱ_T : β'_t = 1 − (1 − b_t)^c, b_t linéaires de β_1 à β_T, c tel que
    Π (1 − β'_t) = Π (1 − β_t). Pour T égal à celui du maître, c = 1 : les mêmes β."""
    import numpy as np
    beta = np.asarray(beta, dtype=float)
    b = np.linspace(beta[1], beta[-1], T)
    c = np.log1p(-beta[1:]).sum() / np.log1p(-b).sum()
    return np.concatenate([[0.0], 1 - (1 - b) ** c])


def source_entrainement(variante: Variante, sources: dict, remplacer: Callable) -> str:
    """Texte de la cellule d'entraînement du maître pour cette variante (une ligne changée
    au plus, vérifiée par ``remplacer`` = ``master.remplacer_une_fois``)."""
    source = sources[variante.cellule]
    if variante.taux == "cosinus":
        source = remplacer(source, r"^(opt = keras\.optimizers\.Adam\()learning_rate=1e-3(\))\s*$",
                           r"\1learning_rate=_taux_benchmark\2", "taux d'apprentissage")
    return source


def empreinte(variante: Variante, sources: dict, source_entr: str) -> str:
    """Empreinte du code qui définit la variante : sa configuration (pas sa description),
    les cellules du maître utilisées et, pour un candidat, les fonctions de unets.py qu'il
    appelle. Un résultat en cache n'est réutilisé que si elle est égale."""
    config = (variante.unet, variante.brouillon, variante.conditionnel, variante.taux)
    if variante.T is not None:  # ajouté seulement ici : les empreintes des autres ne changent pas
        config += (variante.T,)
    morceaux = [repr(config), source_entr, sources["unet"], sources["complementaire_code"]]
    racines = [n for n in (variante.unet, "taux_cosinus" if variante.taux == "cosinus" else None) if n]
    if racines:
        morceaux += code_des_constructeurs(racines)
    return hashlib.sha256("\n".join(morceaux).encode("utf-8")).hexdigest()[:16]


def code_des_constructeurs(racines: list[str]) -> list[str]:
    """Code (sans docstrings ni commentaires) des fonctions de unets.py appelées, directement
    ou non, par les fonctions ``racines`` ; lu sans importer Keras. Ajouter ou reformuler une
    autre fonction du module ne périme donc aucun résultat."""
    texte = Path(__file__).with_name("unets.py").read_text(encoding="utf-8")
    fonctions = {n.name: n for n in ast.parse(texte).body if isinstance(n, ast.FunctionDef)}
    vues, a_voir = [], list(racines)
    while a_voir:
        nom = a_voir.pop()
        if nom in vues or nom not in fonctions:
            continue
        vues.append(nom)
        a_voir += [n.id for n in ast.walk(fonctions[nom]) if isinstance(n, ast.Name)]
    code = []
    for nom in sorted(vues):
        f = fonctions[nom]
        if f.body and isinstance(f.body[0], ast.Expr) and isinstance(f.body[0].value, ast.Constant):
            f.body = f.body[1:] or [ast.Pass()]
        code.append(ast.unparse(f))
    return code
