"""U-Net candidats (issue #11) : mêmes convolutions que le U-Net du TP, mais le pas t entre
par un plongement sinusoïdal et un petit MLP, ajouté comme biais par canal dans CHAQUE bloc
(au lieu d'une seule image Dense(784) + ReLU concaténée à l'entrée).

Écrits pour pouvoir devenir la cellule commentée du TP : même style que ``create_unet`` du
maître, mêmes entrées ``[image (B, 28, 28, 1), t / T (B, 1)]``, même sortie (B, 28, 28, 1).
"""
import keras
import numpy as np
from keras import ops
from keras.layers import (
    Add,
    Conv2D,
    Conv2DTranspose,
    Dense,
    Embedding,
    GroupNormalization,
    Input,
    Lambda,
    MaxPooling2D,
    Reshape,
    concatenate,
)
from keras.models import Model


def plongement_sinusoidal(dim=32, echelle=1000.0):
    """Couche : t / T (B, 1) -> (B, dim), sinus et cosinus de t à dim / 2 fréquences
    géométriques (comme les positions d'un Transformer) : chaque pas t a sa signature."""
    frequences = np.exp(-np.log(10000.0) * np.arange(dim // 2) / (dim // 2)).astype("float32")

    def f(t):
        angles = t * echelle * frequences[None, :]
        return ops.concatenate([ops.sin(angles), ops.cos(angles)], axis=-1)

    return Lambda(f, output_shape=(dim,), name="plongement_sinusoidal")


def mlp_du_pas(input_step, dim=32, largeur=128):
    """Plongement sinusoïdal puis deux Dense(largeur, swish) : le « vecteur du pas »."""
    h = plongement_sinusoidal(dim)(input_step)
    h = Dense(largeur, activation="swish")(h)
    return Dense(largeur, activation="swish")(h)


def biais_du_pas(h, emb):
    """Ajoute à h (B, H, L, C) un biais par canal calculé à partir du vecteur du pas."""
    canaux = h.shape[-1]
    return Add()([h, Reshape((1, 1, canaux))(Dense(canaux)(emb))])


def conv(filtres, noyau=3, activation="relu"):
    return Conv2D(filtres, noyau, activation=activation, padding="same", kernel_initializer="he_normal")


def create_unet_plongement(image_size=28):
    """(a) U-Net du TP, le pas t injecté dans chaque bloc après sa 1re convolution."""
    input_image = Input((image_size, image_size, 1))
    input_step = Input((1,))
    emb = mlp_du_pas(input_step)
    return Model(inputs=[input_image, input_step], outputs=corps_plongement(input_image, emb))


def corps_plongement(input_image, emb):
    """Les convolutions du U-Net du TP, avec le biais du pas après la 1re de chaque bloc."""
    conv1 = biais_du_pas(conv(32)(input_image), emb)
    conv1 = conv(32)(conv1)
    pool1 = MaxPooling2D(pool_size=(2, 2))(conv1)

    conv2 = biais_du_pas(conv(64)(pool1), emb)
    conv2 = conv(64)(conv2)
    pool2 = MaxPooling2D(pool_size=(2, 2))(conv2)

    conv3 = biais_du_pas(conv(128)(pool2), emb)
    conv3 = conv(128)(conv3)

    up4 = Conv2DTranspose(64, 2, 2, padding="same", activation="relu")(conv3)
    conv4 = biais_du_pas(conv(64)(concatenate([conv2, up4], axis=3)), emb)
    conv4 = conv(64)(conv4)

    up5 = Conv2DTranspose(32, 2, 2, padding="same", activation="relu")(conv4)
    conv5 = biais_du_pas(conv(32)(concatenate([conv1, up5], axis=3)), emb)
    return conv(1, 1, activation="linear")(conv5)


def create_unet_conditionnel_plongement(image_size=28, n_classes=10):
    """(a) conditionnel : le plongement appris du label est ajouté au vecteur du pas, qui
    atteint ainsi chaque bloc (au lieu d'une image Embedding(784) concaténée à l'entrée)."""
    input_image = Input((image_size, image_size, 1))
    input_step = Input((1,))
    input_label = Input((1,), dtype="int32")
    emb = mlp_du_pas(input_step)
    emb = Add()([emb, Reshape((emb.shape[-1],))(Embedding(n_classes, emb.shape[-1])(input_label))])
    return Model(inputs=[input_image, input_step, input_label], outputs=corps_plongement(input_image, emb))


def bloc_residuel(x, filtres, emb, groupes=8):
    """Deux convolutions 3×3 avec normalisation de groupe et swish, biais du pas après la
    1re ; l'entrée est rajoutée à la sortie (convolution 1×1 si le nombre de canaux change)."""
    h = conv(filtres, activation=None)(x)
    h = keras.layers.Activation("swish")(GroupNormalization(groupes)(h))
    h = biais_du_pas(h, emb)
    h = conv(filtres, activation=None)(h)
    h = keras.layers.Activation("swish")(GroupNormalization(groupes)(h))
    raccourci = x if x.shape[-1] == filtres else conv(filtres, 1, activation=None)(x)
    return Add()([h, raccourci])


def create_unet_residuel(image_size=28):
    """(b) = (a) + normalisation de groupe et blocs résiduels, mêmes largeurs 32/64/128."""
    input_image = Input((image_size, image_size, 1))
    input_step = Input((1,))
    emb = mlp_du_pas(input_step)

    b1 = bloc_residuel(input_image, 32, emb)
    b2 = bloc_residuel(MaxPooling2D(2)(b1), 64, emb)
    b3 = bloc_residuel(MaxPooling2D(2)(b2), 128, emb)
    up4 = Conv2DTranspose(64, 2, 2, padding="same")(b3)
    b4 = bloc_residuel(concatenate([b2, up4], axis=3), 64, emb)
    up5 = Conv2DTranspose(32, 2, 2, padding="same")(b4)
    b5 = bloc_residuel(concatenate([b1, up5], axis=3), 32, emb)
    sortie = conv(1, 1, activation="linear")(b5)
    return Model(inputs=[input_image, input_step], outputs=sortie)


def taux_cosinus(pas_total, pic=1e-3, part_echauffement=0.05):
    """Échauffement linéaire de 0 à ``pic`` sur 5 % des itérations, puis décroissance en
    cosinus jusqu'à 0 à la dernière itération."""
    echauffement = max(1, int(part_echauffement * pas_total))
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0, decay_steps=max(1, pas_total - echauffement),
        warmup_target=pic, warmup_steps=echauffement)


def flops_avant(model):
    """FLOP (multiplications + additions) d'une passe avant pour UNE image : convolutions,
    convolutions transposées et couches denses (le reste est négligeable)."""
    total = 0
    for couche in model.layers:
        if isinstance(couche, (Conv2D, Conv2DTranspose)):
            k = int(np.prod(couche.kernel.shape))  # kh * kw * c_entree * c_sortie
            _, h, w, _ = couche.output.shape
            if isinstance(couche, Conv2DTranspose):
                h, w = h // couche.strides[0], w // couche.strides[1]
            total += 2 * k * h * w
        elif isinstance(couche, Dense):
            total += 2 * int(np.prod(couche.kernel.shape)) * int(np.prod(couche.output.shape[1:-1] or [1]))
    return total
