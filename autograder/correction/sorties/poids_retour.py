"""Une page de retour de 300 ko au plus, quoi que la remise affiche ou écrive.

Les pages sont envoyées à chaque étudiant et déposées dans Moodle en un zip (souvent limité
à quelques dizaines de Mo) : une page ordinaire pèse environ 290 ko, et une remise peut
afficher des Mo, dessiner des centaines de figures, écrire des cellules géantes. Chaque
morceau est déjà limité (``retour.couper``, ``couper_trace``) ; ce module tient le **total** :

1. au plus ``IMAGES_PAR_CELLULE`` figures par cellule (le TP n'en dessine qu'une par cellule),
   au plus ``LIMITE_SOURCE`` caractères de code ou de texte par cellule (le maître : 7 449 au plus) ;
2. si la page dépasse encore ``TAILLE_PAGE``, on réduit dans cet ordre, chaque étape
   seulement autant qu'il le faut : les longues sorties texte (les plus longues d'abord, à
   un plafond commun) ; les figures des cellules ajoutées par l'étudiant (sans identifiant
   nbgrader), de la fin vers le début ; le contenu de ces cellules ajoutées ; les figures
   des autres cellules ; enfin le code des réponses et le texte des cellules, aux plus longs
   d'abord.

Chaque réduction laisse un avis en français à sa place : l'étudiant sait que son notebook,
lui, est complet. Le poids de chaque morceau est estimé ici (la page est rendue ensuite
par le modèle) ; ``test_retour_etudiant`` mesure la vraie page d'une remise hostile.
"""
from dataclasses import dataclass
from typing import Callable

#: Taille maximale d'une page de retour (octets).
TAILLE_PAGE = 300_000
#: Ce que la page contient hors des cellules (en-tête, feuille de style, sommaire), les balises
#: de chaque cellule étant comptées à part (150 octets) : une page ordinaire du TP (67 cellules)
#: pèse 23 ko de plus que son code, ses textes et ses sorties ; 13 ko + 67 × 150 octets.
PART_DU_MODELE = 15_000
#: Figures gardées par cellule.
IMAGES_PAR_CELLULE = 2
#: Code ou texte d'une cellule gardé dans le retour (caractères ; la plus longue cellule du maître en a 7 449).
LIMITE_SOURCE = 20_000
#: Plus petit plafond d'une sortie texte, d'un code ou d'un texte réduits (caractères).
PLANCHER = 1_500

AVIS = "[… retiré de ce retour pour que la page reste sous 300 ko ; votre notebook, lui, est complet …]"
AVIS_FIGURE = "[… figure retirée de ce retour pour que la page reste sous 300 ko ; elle est dans votre notebook …]"

_TYPES_IMAGE = ("image/png", "image/jpeg")


def _texte(valeur) -> str:
    return "".join(valeur) if isinstance(valeur, list) else str(valeur)


def _octets(texte: str) -> int:
    return len(texte.encode("utf-8"))


def est_image(sortie) -> bool:
    return any(t in sortie.get("data", {}) for t in _TYPES_IMAGE)


def poids_sortie(sortie) -> int:
    """Octets qu'ajoute une sortie à la page (la représentation que le modèle affiche)."""
    if sortie.get("output_type") == "stream":
        return _octets(_texte(sortie.get("text", ""))) + 60
    if sortie.get("output_type") == "error":
        return sum(_octets(_texte(ligne)) for ligne in sortie.get("traceback", [])) * 3 // 2 + 100
    donnees = sortie.get("data", {})
    for type_ in (*_TYPES_IMAGE, "text/html", "text/markdown", "text/latex", "text/plain"):
        if type_ in donnees:
            return _octets(_texte(donnees[type_])) + 120
    return 60


def poids_cellule(cellule) -> int:
    retour = cellule.metadata.get("retour", {})
    poids = _octets(retour.get("code", "")) + _octets(retour.get("html", "")) + 150
    return poids + sum(poids_sortie(s) for s in cellule.get("outputs", []))


def poids_page(cellules) -> int:
    return PART_DU_MODELE + sum(poids_cellule(c) for c in cellules)


def _avis(texte: str = AVIS):
    return {"output_type": "stream", "name": "stdout", "text": texte + "\n"}


def _ajoutee(cellule) -> bool:
    """Une cellule que l'étudiant a ajoutée (aucune cellule du sujet n'est sans identifiant nbgrader
    dans le maître ; les cellules sans identifiant ne rapportent aucun point)."""
    return not cellule.metadata.get("nbgrader", {}).get("grade_id")


@dataclass
class _Morceau:
    """Un morceau réductible de la page : son poids et de quoi le ramener à ``n`` caractères."""
    poids: int
    reduire: Callable[[int], None]
    caracteres: int = 0  # longueur de la source (code ou Markdown) d'où vient le morceau


def _plafonner(morceaux: list[_Morceau], exces: int, couper_a) -> int:
    """Ramène les plus longs morceaux à un plafond commun (pas sous ``PLANCHER``) pour regagner
    ``exces`` octets si possible ; renvoie ce qui reste à regagner."""
    if exces <= 0 or not morceaux:
        return exces
    poids = sorted((m.poids for m in morceaux), reverse=True)
    # plus grand plafond c tel que sum(max(0, p - c)) >= exces (recherche sur les poids triés)
    plafond, gagne = PLANCHER, sum(max(0, p - PLANCHER) for p in poids)
    if gagne > exces:
        bas, haut = PLANCHER, poids[0]
        while haut - bas > 64:
            milieu = (bas + haut) // 2
            if sum(max(0, p - milieu) for p in poids) >= exces:
                bas = milieu
            else:
                haut = milieu
        plafond = bas
    regagne = 0
    for m in morceaux:
        if m.poids > plafond:
            couper_a(m, plafond)
            regagne += m.poids - plafond
    return exces - regagne


def _morceaux_texte(cellules):
    """Les sorties texte de la page (flux, erreurs, texte brut, HTML), réductibles."""
    from autograder.correction.sorties.retour import couper

    morceaux = []
    for cellule in cellules:
        for sortie in cellule.get("outputs", []):
            if est_image(sortie):
                continue

            def reduire(n, sortie=sortie):
                if sortie.get("output_type") == "stream":
                    sortie["text"] = couper(_texte(sortie.get("text", "")), n)
                elif sortie.get("output_type") == "error":
                    trace = "\n".join(_texte(ligne) for ligne in sortie.get("traceback", []))
                    sortie["traceback"] = [couper(trace, n * 2 // 3)]
                else:
                    donnees = sortie.setdefault("data", {})
                    plain = _texte(donnees.get("text/plain", ""))
                    for type_ in list(donnees):
                        del donnees[type_]
                    donnees["text/plain"] = couper(plain, n)
            morceaux.append(_Morceau(poids_sortie(sortie), reduire))
    return morceaux


def _morceaux_source(cellules):
    """Le code et le texte des cellules, réductibles (le code coloré redevient du texte simple)."""
    import html as html_module

    from autograder.correction.sorties.retour import couper

    morceaux = []
    for cellule in cellules:
        retour = cellule.metadata.get("retour", {})
        for cle in ("code", "html"):
            if cle not in retour:
                continue

            def reduire(n, retour=retour, cle=cle, source=cellule.source):
                texte = html_module.escape(couper(source, n), quote=False)
                retour[cle] = texte if cle == "code" else f"<pre>{texte}</pre>"
            morceaux.append(_Morceau(_octets(retour[cle]), reduire, len(cellule.source)))
    return morceaux


def _retirer_images(cellules, exces: int) -> int:
    """Retire des figures, de la dernière à la première, tant qu'il le faut."""
    for cellule in reversed(cellules):
        sorties = cellule.get("outputs", [])
        for i in reversed(range(len(sorties))):
            if exces <= 0:
                return exces
            if est_image(sorties[i]):
                exces -= poids_sortie(sorties[i]) - poids_sortie(_avis(AVIS_FIGURE))
                sorties[i] = _avis(AVIS_FIGURE)
    return exces


def _vider(cellules, exces: int) -> int:
    """Remplace le contenu de cellules entières (sorties et source) par l'avis, de la fin vers le début."""
    for cellule in reversed(cellules):
        if exces <= 0:
            return exces
        avant = poids_cellule(cellule)
        retour = cellule.metadata.setdefault("retour", {})
        if "code" in retour:
            retour["code"] = ""
        if "html" in retour:
            retour["html"] = ""
        cellule["outputs"] = [_avis()] if cellule.cell_type == "code" else []
        if cellule.cell_type == "markdown":
            retour["html"] = f"<p>{AVIS}</p>"
        exces -= avant - poids_cellule(cellule)
    return exces


def limiter_images_par_cellule(cellule, maximum: int = IMAGES_PAR_CELLULE) -> None:
    images = [i for i, s in enumerate(cellule.get("outputs", [])) if est_image(s)]
    if len(images) <= maximum:
        return
    retirees = set(images[maximum:])
    sorties = [s for i, s in enumerate(cellule["outputs"]) if i not in retirees]
    sorties.append(_avis(f"[… {len(retirees)} figure(s) de plus retirée(s) de ce retour (au plus {maximum} "
                         "par cellule) ; elles sont dans votre notebook …]"))
    cellule["outputs"] = sorties


def tenir_dans_la_page(cellules, taille: int = TAILLE_PAGE) -> int:
    """Réduit les cellules (déjà préparées par ``RetourLisible``) pour que la page tienne dans
    ``taille`` octets ; renvoie le poids estimé de la page."""
    for cellule in cellules:
        if cellule.cell_type == "code":
            limiter_images_par_cellule(cellule)
    for morceau in _morceaux_source(cellules):
        if morceau.caracteres > LIMITE_SOURCE:
            morceau.reduire(LIMITE_SOURCE)
    ajoutees = [c for c in cellules if _ajoutee(c)]
    etapes = (
        lambda e: _plafonner(_morceaux_texte(cellules), e, lambda m, n: m.reduire(n)),
        lambda e: _retirer_images(ajoutees, e),
        lambda e: _vider(ajoutees, e),
        lambda e: _retirer_images(cellules, e),
        lambda e: _plafonner(_morceaux_source(cellules), e, lambda m, n: m.reduire(n)),
    )
    for etape in etapes:
        exces = poids_page(cellules) - taille
        if exces <= 0:
            break
        etape(exces)
    return poids_page(cellules)
