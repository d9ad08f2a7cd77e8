"""Une page de retour de 300 ko au plus, quoi que la remise affiche ou écrive.

Les pages sont envoyées à chaque étudiant et déposées dans Moodle en un zip (souvent limité
à quelques dizaines de Mo) : les pages de la classe de ``make test`` pèsent de 208 ko (copie vierge)
à 287 ko, et une remise peut afficher des Mo, dessiner des centaines de figures, écrire des cellules géantes. Chaque
morceau est déjà limité (``retour.couper``, ``couper_trace``) ; ce module tient le **total**.

Ce que l'étudiant contrôle : ses sorties, le code de ses réponses et ses cellules de code
ajoutées (la reconstruction de la remise reprend tout le Markdown et les cellules fournies du
notebook publié, et ne garde de l'étudiant que des cellules de code). Dans l'ordre :

1. par cellule : au plus ``IMAGES_PAR_CELLULE`` figures et ``SORTIES_PAR_CELLULE`` sorties,
   au plus ``LIMITE_SOURCE`` caractères de code ;
2. si la page dépasse encore ``TAILLE_PAGE``, on réduit, chaque étape seulement autant qu'il
   le faut : les longues sorties texte (les plus longues d'abord, à un plafond commun) ; les
   figures des cellules ajoutées, de la fin vers le début ; le contenu de ces cellules ; les
   autres figures ; le code des réponses (les plus longues d'abord) ; enfin, en dernier
   recours, le contenu des cellules de code, de la fin vers le début.

Chaque réduction laisse un avis en français à sa place. Le poids de chaque morceau est estimé
ici tel qu'il sera écrit dans la page (texte échappé pour le HTML, couleurs ANSI devenues des
balises) ; la page est rendue ensuite par le modèle ; ``test_retour_etudiant`` mesure la vraie
page de remises hostiles.
"""
import html
from dataclasses import dataclass
from typing import Callable

#: Taille maximale d'une page de retour (octets).
TAILLE_PAGE = 300_000
#: Ce que la page contient hors des cellules (en-tête, feuille de style, sommaire). Mesuré sur
#: une page ordinaire du TP (67 cellules) : 23 ko de plus que son code, ses textes et ses
#: sorties, dont 67 × ``PAR_CELLULE`` octets de balises de cellule, comptés à part.
PART_DU_MODELE = 15_000
#: Balises autour d'une cellule, et autour d'une sortie (octets, comptés large).
PAR_CELLULE, PAR_SORTIE = 150, 150
#: Figures et sorties gardées par cellule (le TP dessine une figure par cellule).
IMAGES_PAR_CELLULE, SORTIES_PAR_CELLULE = 2, 50
#: Code d'une cellule gardé dans le retour (caractères) ; la plus longue du maître, la cellule des outils
#: (38 862), arrive ici réduite à une ligne par ``RetourLisible`` ; la suivante, complementaire_code, en a 3 188.
LIMITE_SOURCE = 20_000
#: Plus petit plafond d'une sortie texte ou d'un code réduits (octets).
PLANCHER = 300
#: Octets comptés pour chaque code de couleur ANSI (devenu une balise ``<span class=…>``).
PAR_COULEUR = 40
#: Types de sortie que le retour affiche ; les autres (SVG, JavaScript, widgets…) en sont retirés.
TYPES_AFFICHES = ("image/png", "image/jpeg", "text/html", "text/plain")

AVIS = "[… contenu retiré de ce retour pour que la page ne dépasse pas 300 ko ; il est dans votre notebook …]"
AVIS_FIGURE = ("[… figure retirée de ce retour pour que la page ne dépasse pas 300 ko ; elle est dans "
               "votre notebook …]")

_TYPES_IMAGE = ("image/png", "image/jpeg")


def texte_de(valeur) -> str:
    """Texte d'un champ de notebook (une chaîne ou une liste de lignes)."""
    return "".join(valeur) if isinstance(valeur, list) else str(valeur)


def poids_texte(texte: str) -> int:
    """Octets d'un texte écrit dans la page : échappé pour le HTML, couleurs ANSI en balises."""
    return len(html.escape(texte, quote=False).encode("utf-8")) + texte.count("\x1b") * PAR_COULEUR


def est_image(sortie) -> bool:
    return any(t in sortie.get("data", {}) for t in _TYPES_IMAGE)


def garder_types_affiches(sortie) -> None:
    """Retire d'une sortie les types que le retour n'affiche pas ; s'il n'en reste aucun, un avis."""
    donnees = sortie.get("data")
    if not donnees:
        return
    autres = [t for t in donnees if t not in TYPES_AFFICHES]
    for type_ in autres:
        del donnees[type_]
    if autres and not donnees:
        donnees["text/plain"] = f"[sortie au format {', '.join(sorted(autres))} : non reproduite dans ce retour]"


def poids_sortie(sortie) -> int:
    """Octets qu'ajoute une sortie à la page (la représentation que le modèle affiche)."""
    if sortie.get("output_type") == "stream":
        return poids_texte(texte_de(sortie.get("text", ""))) + PAR_SORTIE
    if sortie.get("output_type") == "error":
        trace = sum(poids_texte(texte_de(ligne)) for ligne in sortie.get("traceback", []))
        return trace + poids_texte(texte_de(sortie.get("evalue", ""))) + PAR_SORTIE
    donnees = sortie.get("data", {})
    for type_ in (*_TYPES_IMAGE, "text/html"):
        if type_ in donnees:
            return len(texte_de(donnees[type_]).encode("utf-8")) + PAR_SORTIE
    return poids_texte(texte_de(donnees.get("text/plain", ""))) + PAR_SORTIE


def poids_cellule(cellule) -> int:
    retour = cellule.metadata.get("retour", {})
    poids = sum(len(retour.get(cle, "").encode("utf-8")) for cle in ("code", "html")) + PAR_CELLULE
    return poids + sum(poids_sortie(s) for s in cellule.get("outputs", []))


def poids_page(cellules) -> int:
    return PART_DU_MODELE + sum(poids_cellule(c) for c in cellules)


def _avis(texte: str = AVIS):
    return {"output_type": "stream", "name": "stdout", "text": texte + "\n"}


def _ajoutee(cellule) -> bool:
    """Une cellule de code ajoutée par l'étudiant (toutes les cellules de code du sujet ont un
    identifiant nbgrader ; la reconstruction ne garde pas le Markdown de l'étudiant)."""
    return cellule.cell_type == "code" and not cellule.metadata.get("nbgrader", {}).get("grade_id")


def code_coupe(source: str, octets: int) -> str:
    """Le code d'une cellule, coupé à ``octets`` et écrit en texte simple (sans couleurs)."""
    return html.escape(couper_en_octets(source, octets), quote=False)


def couper_en_octets(texte: str, octets: int) -> str:
    """``retour.couper`` à un nombre d'octets écrits dans la page (et non de caractères)."""
    from autograder.correction.sorties.retour import couper

    caracteres = octets
    while True:
        coupe = couper(texte, max(caracteres, 200))
        poids = poids_texte(coupe)
        if poids <= octets or caracteres <= 200:
            return coupe
        caracteres = int(caracteres * octets / poids * 0.95)


@dataclass
class _Morceau:
    """Un morceau réductible de la page : son poids et de quoi le ramener à ``n`` octets."""
    poids: int
    reduire: Callable[[int], None]


def _plafonner(morceaux: list[_Morceau], exces: int) -> None:
    """Ramène les plus longs morceaux à un plafond commun (pas sous ``PLANCHER``), le plus haut
    qui regagne ``exces`` octets (tous à ``PLANCHER`` si c'est impossible)."""
    if exces <= 0 or not morceaux:
        return
    poids = [m.poids for m in morceaux]
    bas, haut = PLANCHER, max(poids)
    if sum(max(0, p - PLANCHER) for p in poids) > exces:
        while haut - bas > 64:  # plus grand plafond c tel que sum(max(0, p - c)) >= exces
            milieu = (bas + haut) // 2
            if sum(max(0, p - milieu) for p in poids) >= exces:
                bas = milieu
            else:
                haut = milieu
    for m in morceaux:
        if m.poids > bas:
            m.reduire(bas)


def _morceaux_texte(cellules):
    """Les sorties texte de la page (flux, erreurs, texte brut, HTML), réductibles."""
    morceaux = []
    for cellule in cellules:
        for sortie in cellule.get("outputs", []):
            if est_image(sortie):
                continue

            def reduire(n, sortie=sortie):
                if sortie.get("output_type") == "stream":
                    sortie["text"] = couper_en_octets(texte_de(sortie.get("text", "")), n)
                elif sortie.get("output_type") == "error":
                    trace = "\n".join(texte_de(ligne) for ligne in sortie.get("traceback", []))
                    sortie["traceback"] = [couper_en_octets(trace, n * 2 // 3)]
                    sortie["evalue"] = couper_en_octets(texte_de(sortie.get("evalue", "")), n // 3)
                else:
                    donnees = sortie.setdefault("data", {})
                    plain = texte_de(donnees.get("text/plain", "")) or AVIS
                    donnees.clear()
                    donnees["text/plain"] = couper_en_octets(plain, n)
            morceaux.append(_Morceau(poids_sortie(sortie), reduire))
    return morceaux


def _morceaux_code(cellules):
    """Le code des cellules, réductible (le code coloré redevient du texte simple)."""
    morceaux = []
    for cellule in cellules:
        retour = cellule.metadata.get("retour", {})
        if cellule.cell_type != "code" or "code" not in retour:
            continue

        def reduire(n, retour=retour, source=cellule.source):
            retour["code"] = code_coupe(source, n)
        morceaux.append(_Morceau(len(retour["code"].encode("utf-8")), reduire))
    return morceaux


def _retirer_images(cellules, exces: int) -> None:
    """Retire des figures, de la dernière à la première, tant qu'il le faut."""
    for cellule in reversed(cellules):
        sorties = cellule.get("outputs", [])
        for i in reversed(range(len(sorties))):
            if exces <= 0:
                return
            if est_image(sorties[i]):
                exces -= poids_sortie(sorties[i]) - poids_sortie(_avis(AVIS_FIGURE))
                sorties[i] = _avis(AVIS_FIGURE)


def _vider(cellules, exces: int) -> None:
    """Remplace le contenu de cellules de code entières (sorties et code) par l'avis, de la fin
    vers le début, tant qu'il le faut."""
    for cellule in reversed(cellules):
        if exces <= 0:
            return
        if cellule.cell_type != "code":
            continue
        avant = poids_cellule(cellule)
        cellule.metadata.setdefault("retour", {})["code"] = ""
        cellule["outputs"] = [_avis()]
        exces -= avant - poids_cellule(cellule)


def limiter_par_cellule(cellule) -> None:
    """Au plus ``IMAGES_PAR_CELLULE`` figures et ``SORTIES_PAR_CELLULE`` sorties dans une cellule."""
    sorties = cellule.get("outputs", [])
    images = [i for i, s in enumerate(sorties) if est_image(s)]
    retirees = set(images[IMAGES_PAR_CELLULE:])
    if retirees:
        n = len(retirees)
        quoi = "1 autre figure retirée" if n == 1 else f"{n} autres figures retirées"
        ou = "elle est" if n == 1 else "elles sont"
        sorties = [s for i, s in enumerate(sorties) if i not in retirees] + [_avis(
            f"[… {quoi} de ce retour ({IMAGES_PAR_CELLULE} au plus par cellule) ; {ou} dans votre notebook …]")]
    if len(sorties) > SORTIES_PAR_CELLULE:
        n = len(sorties) - SORTIES_PAR_CELLULE + 1
        sorties = sorties[:SORTIES_PAR_CELLULE - 1] + [_avis(
            f"[… {n} autres sorties retirées de ce retour ({SORTIES_PAR_CELLULE} au plus par cellule) ; "
            "elles sont dans votre notebook …]")]
    cellule["outputs"] = sorties


def tenir_dans_la_page(cellules, taille: int = TAILLE_PAGE) -> int:
    """Réduit les cellules (déjà préparées par ``RetourLisible``) pour que la page tienne dans
    ``taille`` octets ; renvoie le poids estimé de la page."""
    for cellule in cellules:
        if cellule.cell_type == "code":
            limiter_par_cellule(cellule)
            if len(cellule.source) > LIMITE_SOURCE:
                retour = cellule.metadata.setdefault("retour", {})
                retour["code"] = code_coupe(cellule.source, LIMITE_SOURCE)
    ajoutees = [c for c in cellules if _ajoutee(c)]
    etapes = (
        lambda e: _plafonner(_morceaux_texte(cellules), e),
        lambda e: _retirer_images(ajoutees, e),
        lambda e: _vider(ajoutees, e),
        lambda e: _retirer_images(cellules, e),
        lambda e: _plafonner(_morceaux_code(cellules), e),
        lambda e: _vider(cellules, e),
    )
    for etape in etapes:
        exces = poids_page(cellules) - taille
        if exces <= 0:
            break
        etape(exces)
    return poids_page(cellules)
