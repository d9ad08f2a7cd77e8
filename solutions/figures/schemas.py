"""Dessine les deux schémas du TP « DDPM sur MNIST » (Ho et al., 2020, T = 10).

    python schemas.py [dossier_de_sortie]      # par défaut : le dossier de ce script

Produit :
  - schema_diffusion.png     : la chaîne de Markov (figure 2 de Ho et al.), avec des vignettes ;
  - schema_entrainement.png  : une étape d'entraînement (algorithme 1).

Aucun téléchargement : le chiffre « 3 » est dessiné avec numpy, le bruit a une graine fixe.
"""
import io
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import FancyBboxPatch  # noqa: E402
from PIL import Image  # noqa: E402

# --- Planning de bruit du TP -------------------------------------------------------------
T = 10
beta = np.linspace(0.1, 0.8, T)            # beta_1 ... beta_T
alpha_barre = np.cumprod(1.0 - beta)       # alpha_barre[t-1] = prod_{s<=t} (1 - beta_s)

BLEU, ORANGE, GRIS = "#1f5fa8", "#d9661f", "#555555"
plt.rcParams.update({"font.size": 12, "mathtext.fontset": "dejavusans"})


def chiffre_trois(taille=28, sur_ech=4):
    """Un « 3 » épais façon MNIST : deux arcs de cercle rastérisés (anticrénelés), valeurs dans [0, 1]."""
    angles_haut = np.radians(np.linspace(155, -90, 120))   # boucle du haut (y vers le bas)
    angles_bas = np.radians(np.linspace(90, -150, 120))    # boucle du bas
    points = np.concatenate([
        np.stack([13.8 + 5.0 * np.cos(angles_haut), 9.3 - 5.0 * np.sin(angles_haut)], 1),
        np.stack([13.8 + 5.6 * np.cos(angles_bas), 19.9 - 5.6 * np.sin(angles_bas)], 1),
    ])
    n = taille * sur_ech
    coord = (np.arange(n) + 0.5) / sur_ech
    xx, yy = np.meshgrid(coord, coord)
    pixels = np.stack([xx.ravel(), yy.ravel()], 1)
    dist = np.sqrt(((pixels[:, None, :] - points[None, :, :]) ** 2).sum(-1)).min(1)
    trait = np.clip(1.9 - dist, 0.0, 1.0).reshape(n, n)          # demi-épaisseur ~ 1,9 px
    return trait.reshape(taille, sur_ech, taille, sur_ech).mean((1, 3))


# x_0 ramené dans [-1, 1] (convention de Ho et al.) ; un seul bruit epsilon, de graine fixe.
x0 = 2.0 * chiffre_trois() - 1.0
eps = np.random.default_rng(0).standard_normal(x0.shape)


def bruiter(t):
    """x_t = sqrt(alpha_barre_t) x_0 + sqrt(1 - alpha_barre_t) eps (x_0 si t = 0)."""
    if t == 0:
        return x0
    ab = alpha_barre[t - 1]
    return np.sqrt(ab) * x0 + np.sqrt(1.0 - ab) * eps


def vignette(ax, img, cx, cy, cote, vmin=-1.0, vmax=1.0):
    """Affiche une image 28x28 centrée en (cx, cy), avec un fin cadre."""
    ext = [cx - cote / 2, cx + cote / 2, cy - cote / 2, cy + cote / 2]
    ax.imshow(img, cmap="gray", vmin=vmin, vmax=vmax, extent=ext, interpolation="nearest", zorder=2)
    ax.add_patch(plt.Rectangle((ext[0], ext[2]), cote, cote, fill=False, lw=1, ec=GRIS, zorder=3))


def fleche(ax, depart, arrivee, couleur, rad=0.0, style="-", lw=2.0):
    ax.annotate("", xy=arrivee, xytext=depart, zorder=4, arrowprops=dict(
        arrowstyle="-|>,head_length=0.6,head_width=0.3", color=couleur, lw=lw,
        linestyle=style, connectionstyle=f"arc3,rad={rad}", shrinkA=0, shrinkB=0))


def trajet(ax, xs, ys, couleur):
    """Flèche à angles droits : ligne brisée, pointe sur le dernier segment."""
    ax.plot(xs, ys, color=couleur, lw=2.0, solid_joinstyle="miter", solid_capstyle="butt")
    fleche(ax, (xs[-2], ys[-2]), (xs[-1], ys[-1]), couleur)


def boite(ax, cx, cy, larg, haut, couleur, fond):
    ax.add_patch(FancyBboxPatch((cx - larg / 2, cy - haut / 2), larg, haut, zorder=1,
                                boxstyle="round,pad=0.02,rounding_size=0.12",
                                fc=fond, ec=couleur, lw=1.6))


def nouvelle_figure(largeur, hauteur):
    fig = plt.figure(figsize=(largeur, hauteur), dpi=100, facecolor="white")
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_xlim(0, largeur)
    ax.set_ylim(0, hauteur)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def enregistrer(fig, chemin, couleurs=64):
    """PNG déterministe et léger : pas de métadonnées, palette réduite, compression maximale."""
    tampon = io.BytesIO()
    fig.savefig(tampon, format="png", facecolor="white", metadata={"Software": None})
    plt.close(fig)
    image = Image.open(tampon).convert("RGB").quantize(couleurs, method=Image.Quantize.MEDIANCUT)
    image.save(chemin, optimize=True)


# --- Schéma 1 : la chaîne de Markov --------------------------------------------------------
def schema_diffusion(chemin):
    fig, ax = nouvelle_figure(10, 5.2)
    ax.text(5, 5.0, "Processus de diffusion (Ho et al., 2020), avec T = 10 pas",
            ha="center", va="top", fontsize=15, weight="bold")

    cote, y = 1.25, 3.05
    noeuds = [  # (x du centre, nom, image, légende)
        (0.95, r"$\mathbf{x}_T$", bruiter(T), "bruit pur\n(t = 10)"),
        (3.75, r"$\mathbf{x}_t$", bruiter(3), "ex. t = 3"),
        (6.25, r"$\mathbf{x}_{t-1}$", bruiter(2), "ex. t − 1 = 2"),
        (9.05, r"$\mathbf{x}_0$", x0, "image d'origine\n(t = 0)"),
    ]
    for cx, nom, img, legende in noeuds:
        vignette(ax, img, cx, y, cote)
        ax.text(cx, y + cote / 2 + 0.08, nom, ha="center", va="bottom", fontsize=16)
        ax.text(cx, y - cote / 2 - 0.08, legende, ha="center", va="top", fontsize=11.5,
                color=GRIS, linespacing=1.1)
    for cx in (2.35, 7.65):
        ax.text(cx, y, r"$\cdots$", ha="center", va="center", fontsize=20)

    # Entre deux nœuds voisins : p_theta (bleu, vers la droite) au-dessus,
    # q (orange pointillé, vers la gauche) en dessous.
    bords = [(0.95 + cote / 2, 2.05), (2.65, 3.75 - cote / 2), (3.75 + cote / 2, 6.25 - cote / 2),
             (6.25 + cote / 2, 7.35), (7.95, 9.05 - cote / 2)]
    for g, d in bords:
        fleche(ax, (g + 0.05, y + 0.3), (d - 0.05, y + 0.3), BLEU, rad=-0.35)
        fleche(ax, (d - 0.05, y - 0.3), (g + 0.05, y - 0.3), ORANGE, rad=-0.35, style="--")
    ax.text(5, y + 0.62, r"$p_\theta(\mathbf{x}_{t-1} \mid \mathbf{x}_t)$", color=BLEU,
            ha="center", va="bottom", fontsize=14)
    ax.text(5, y - 0.62, r"$q(\mathbf{x}_t \mid \mathbf{x}_{t-1})$", color=ORANGE,
            ha="center", va="top", fontsize=14)

    # Légende des deux sens de parcours.
    ax.text(5, 4.45, "débruitage : processus inverse, appris (réseau de paramètres θ)  →",
            ha="center", va="center", color=BLEU, fontsize=12)
    ax.text(5, 1.6, "←  bruitage : processus direct, fixé (aucun paramètre)",
            ha="center", va="center", color=ORANGE, fontsize=12)

    # Bandeau : x_t pour tous les t, avec alpha_barre_t.
    ax.plot([0.3, 9.7], [1.3, 1.3], color="#dddddd", lw=1)
    ax.text(0.3, 0.95, r"$\mathbf{x}_t = \sqrt{\bar{\alpha}_t}\,\mathbf{x}_0"
            r" + \sqrt{1-\bar{\alpha}_t}\,\boldsymbol{\epsilon}$", ha="left", va="center",
            fontsize=12)
    ax.text(0.3, 0.45, r"$\beta_t$ : de 0,1 à 0,8" + "\n" + r"$\bar{\alpha}_t = (1-\beta_1)\cdots(1-\beta_t)$",
            ha="left", va="center", fontsize=11.5, color=GRIS, linespacing=1.3)
    petit = 0.5
    for t in range(T + 1):
        cx = 3.85 + t * 0.55
        vignette(ax, bruiter(t), cx, 0.88, petit)
        ab = 1.0 if t == 0 else alpha_barre[t - 1]
        ax.text(cx, 0.88 + petit / 2 + 0.04, f"t={t}", ha="center", va="bottom", fontsize=10.5)
        ax.text(cx, 0.88 - petit / 2 - 0.04, f"{ab:.2f}".replace(".", ","), ha="center",
                va="top", fontsize=10.5, color=GRIS)
    ax.text(3.5, 0.53, r"$\bar{\alpha}_t$", ha="right", va="center", fontsize=11.5, color=GRIS)
    enregistrer(fig, chemin)


# --- Schéma 2 : une étape d'entraînement (algorithme 1) -----------------------------------
def schema_entrainement(chemin):
    """Le schéma d'une itération d'entraînement (algorithme 1).

    Longue (~80 lignes) par nature : une suite de tracés de boîtes, de flèches et de légendes
    placés à la main, lue de haut en bas comme la figure ; la découper éparpillerait les
    coordonnées d'un même dessin."""
    fig, ax = nouvelle_figure(10, 5.2)
    ax.text(5, 5.08, "Une étape d'entraînement (algorithme 1 de Ho et al., 2020)",
            ha="center", va="top", fontsize=15, weight="bold")
    t_ex = 3
    # Illustration seulement : une prédiction imparfaite du bruit (il n'y a pas de réseau ici).
    eps_pred = 0.8 * eps + 0.45 * np.random.default_rng(1).standard_normal(eps.shape)
    fond_bleu, fond_orange, ROUGE = "#f3f6fb", "#fdf3ec", "#b03030"

    # Entrées (colonne de gauche) : (y du centre, hauteur, titre, formule, vignette).
    entrees = [
        (4.0, 0.85, "pas de temps", r"$t \sim \mathcal{U}(\{1, \ldots, T\})$", None),
        (2.75, 1.05, "image d'origine", r"$\mathbf{x}_0 \sim q(\mathbf{x}_0)$", x0),
        (1.25, 1.05, "bruit", r"$\boldsymbol{\epsilon} \sim \mathcal{N}(\mathbf{0}, \mathbf{I})$", eps),
    ]
    for cy, haut, titre, formule, img in entrees:
        boite(ax, 1.45, cy, 2.6, haut, BLEU, fond_bleu)
        ax.text(0.27, cy + 0.2, titre, ha="left", va="center", fontsize=12, weight="bold")
        ax.text(0.27, cy - 0.2, formule, ha="left", va="center", fontsize=12)
        if img is eps:
            vignette(ax, img, 2.3, cy, 0.8, vmin=-2.5, vmax=2.5)   # bruit : échelle +-2,5 sigma
        elif img is not None:
            vignette(ax, img, 2.3, cy, 0.8)
    ax.text(2.95, 4.27, f"ex. : t = {t_ex}", ha="left", va="bottom", fontsize=11.5, color=GRIS)

    # Image bruitée (calcul explicite, sans réseau).
    cx_b, cy_b = 4.55, 2.75
    boite(ax, cx_b, cy_b, 2.3, 2.3, ORANGE, fond_orange)
    ax.text(cx_b, cy_b + 0.95, "image bruitée", ha="center", va="center", fontsize=12,
            weight="bold")
    vignette(ax, bruiter(t_ex), cx_b, cy_b + 0.1, 1.0)
    ax.text(cx_b, cy_b - 0.75, r"$\mathbf{x}_t = \sqrt{\bar{\alpha}_t}\,\mathbf{x}_0"
            r" + \sqrt{1-\bar{\alpha}_t}\,\boldsymbol{\epsilon}$", ha="center", va="center",
            fontsize=11.5)
    fleche(ax, (2.77, 3.75), (cx_b - 1.17, cy_b + 0.75), GRIS)
    fleche(ax, (2.77, 2.75), (cx_b - 1.17, cy_b), GRIS)
    fleche(ax, (2.77, 1.45), (cx_b - 1.17, cy_b - 0.75), GRIS)

    # U-Net : un « U » stylisé (colonnes = résolutions, pointillés = connexions de saut).
    cx_u, cy_u = 6.75, 2.75
    xs = cx_u - 0.8 + np.arange(5) * 0.4
    for x, h in zip(xs, [1.0, 0.76, 0.52, 0.76, 1.0], strict=True):
        ax.add_patch(plt.Rectangle((x - 0.11, cy_u + 0.55 - h), 0.22, h, fc="#e6eefa",
                                   ec=BLEU, lw=1.3, zorder=2))
    for i, dy in ((0, 0.45), (1, 0.33)):
        ax.annotate("", xy=(xs[4 - i] - 0.12, cy_u + dy), xytext=(xs[i] + 0.12, cy_u + dy),
                    arrowprops=dict(arrowstyle="->", color=BLEU, lw=1, ls=":"))
    ax.text(cx_u, cy_u - 0.7, "U-Net", ha="center", va="center", fontsize=13,
            weight="bold", color=BLEU)
    ax.text(cx_u, cy_u - 1.02, r"$\boldsymbol{\epsilon}_\theta(\mathbf{x}_t, t)$",
            ha="center", va="center", fontsize=12)
    fleche(ax, (cx_b + 1.17, cy_u + 0.1), (xs[0] - 0.13, cy_u + 0.1), GRIS)
    # t est aussi une entrée du réseau : comme dans le code du TP, il rejoint l'image bruitée à
    # l'entrée du U-Net, avant la première convolution (on passe au-dessus de l'image bruitée).
    trajet(ax, [2.77, xs[0], xs[0]], [4.2, 4.2, cy_u + 0.6], GRIS)

    # Bruit prédit.
    cx_p, cy_p = 8.85, 2.75
    boite(ax, cx_p, cy_p, 1.9, 2.3, BLEU, fond_bleu)
    ax.text(cx_p, cy_p + 0.95, "bruit prédit", ha="center", va="center", fontsize=12,
            weight="bold")
    vignette(ax, eps_pred, cx_p, cy_p + 0.1, 1.0, vmin=-2.5, vmax=2.5)
    ax.text(cx_p, cy_p - 0.75, r"$\boldsymbol{\epsilon}_\theta(\mathbf{x}_t, t)$",
            ha="center", va="center", fontsize=12)
    fleche(ax, (xs[4] + 0.13, cy_u + 0.1), (cx_p - 0.97, cy_p + 0.1), GRIS)

    # Perte : le vrai bruit est la cible.
    cx_l, cy_l = 7.6, 0.62
    boite(ax, cx_l, cy_l, 4.2, 0.85, ROUGE, "#fbeeee")
    ax.text(cx_l, cy_l + 0.18, "perte (MSE)", ha="center", va="center", fontsize=12,
            weight="bold", color=ROUGE)
    ax.text(cx_l, cy_l - 0.2, r"$\| \boldsymbol{\epsilon} - \boldsymbol{\epsilon}_\theta"
            r"(\mathbf{x}_t, t) \|^2$", ha="center", va="center", fontsize=13)
    fleche(ax, (cx_p, cy_p - 1.17), (cx_l + 1.25, cy_l + 0.45), GRIS)
    trajet(ax, [2.77, 3.0, 3.0, cx_l - 2.12], [1.05, 1.05, cy_l, cy_l], GRIS)
    ax.text(3.15, cy_l + 0.08, "cible : le vrai bruit", ha="left", va="bottom", fontsize=11,
            color=GRIS)
    # Descente de gradient sur theta.
    fleche(ax, (cx_u, cy_l + 0.45), (cx_u, cy_u - 1.2), ROUGE, style="--", lw=1.6)
    ax.text(cx_u - 0.12, 1.33, r"gradient $\nabla_\theta$ :" + "\nmise à jour de θ",
            ha="right", va="center", fontsize=11, color=ROUGE, linespacing=1.15)
    enregistrer(fig, chemin)


if __name__ == "__main__":
    dossier = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    dossier.mkdir(parents=True, exist_ok=True)
    schema_diffusion(dossier / "schema_diffusion.png")
    schema_entrainement(dossier / "schema_entrainement.png")
    print("Schémas écrits dans", dossier)
