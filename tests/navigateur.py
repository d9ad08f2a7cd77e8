"""Rendu d'une page HTML dans Chromium sans tête (headless), hors ligne, pour les tests.

Ni Selenium ni chromedriver : un seul lancement de Chromium fait à la fois la capture
d'écran (``--screenshot``) et la copie du DOM après exécution des scripts (``--dump-dom``).
Une « sonde » JavaScript ajoutée à la fin de la page attend que MathJax ait fini, puis
écrit dans le DOM, en JSON, ce que seul le navigateur sait : formules rendues ou en
erreur, taille réelle des images (``naturalWidth``), texte affiché, hauteur de la page.

Chromium et MathJax 2 viennent des paquets Debian ``chromium`` et ``libjs-mathjax``
(``make install`` les installe ; :func:`installer_paquets_debian` réessaie au besoin).
Le réseau est coupé dans le navigateur (``--host-resolver-rules``) : une image ou un
script externe ne se charge pas, comme chez un étudiant sans connexion.
"""
import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

#: Options sans lesquelles Chromium sans tête cherche le réseau et se bloque ici.
OPTIONS_CHROMIUM = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-quic", "--hide-scrollbars", "--force-device-scale-factor=1",
    # Aucun nom d'hôte ne se résout : rien d'externe ne se charge (CDN, images en ligne).
    "--host-resolver-rules=MAP * ~NOTFOUND",
]
#: Emplacements de MathJax 2 (``MathJax.js``) : paquet Debian libjs-mathjax, ou $TP_MATHJAX.
EMPLACEMENTS_MATHJAX = [
    Path("/usr/share/javascript/mathjax/MathJax.js"),
    Path("/usr/share/mathjax/MathJax.js"),
]
#: La configuration que nbconvert demande au CDN : TeX, sortie CommonHTML, mode sûr.
CONFIG_MATHJAX = "TeX-AMS_CHTML-full,Safe"
ID_SONDE = "tp-sonde-rendu"

SONDE = """
<script>
/* Sonde des tests : après MathJax, écrit l'état du rendu, en JSON, à la fin du body. */
(function () {
  function texteAffiche(noeud) {
    var copie = noeud.cloneNode(true);
    copie.querySelectorAll('script, code, pre, .MathJax_CHTML, .MathJax_Preview, mjx-container')
      .forEach(function (n) { n.remove(); });
    return copie.textContent;
  }
  function sourceTeX(element) {
    var cadre = element.closest('.MathJax_CHTML');
    var script = cadre && document.getElementById(cadre.id.replace(/-Frame$/, ''));
    return script ? script.textContent : element.textContent;
  }
  function ecrire() {
    var r = {
      mathjax: window.MathJax && MathJax.version || null,
      encodage: document.characterSet,
      hauteur: document.documentElement.scrollHeight,
      formules_rendues: document.querySelectorAll('.MathJax_CHTML, mjx-container').length,
      sources_tex: document.querySelectorAll('script[type^="math/tex"]').length,
      erreurs_tex: Array.prototype.map.call(document.querySelectorAll(
        '.mjx-noError, .mjx-merror, .MathJax_Error, mjx-merror, .mjx-mtext[style*="color: red"]'),
        sourceTeX),
      markdown_brut: Array.prototype.map.call(
        document.querySelectorAll('.jp-RenderedMarkdown'), texteAffiche)
        .filter(function (t) { return /\\$|\\\\[a-zA-Z]/.test(t); }),
      images: Array.prototype.map.call(document.querySelectorAll('.jp-RenderedMarkdown img'),
        function (i) { return {alt: i.alt, src: i.getAttribute('src').slice(0, 30), lien: !!i.closest('a'),
          complete: i.complete, naturalWidth: i.naturalWidth, naturalHeight: i.naturalHeight,
          largeur: i.getBoundingClientRect().width, hauteur: i.getBoundingClientRect().height}; }),
      texte: document.body.innerText
    };
    var pre = document.createElement('pre');
    pre.id = '%(id)s';
    pre.style.display = 'none';
    pre.textContent = JSON.stringify(r);
    document.body.appendChild(pre);
  }
  window.addEventListener('load', function () {
    var apres = function () { document.fonts.ready.then(ecrire); };
    if (window.MathJax && MathJax.Hub) { MathJax.Hub.Queue(apres); } else { apres(); }
  });
})();
</script>
""" % {"id": ID_SONDE}


def installer_paquets_debian(*paquets, delai=600):
    """``apt-get install`` des paquets (avec ``apt-get update`` si besoin) ; vrai si réussi."""
    if not shutil.which("apt-get") or os.geteuid() != 0:
        return False
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    installer = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *paquets]
    for commandes in ([installer], [["apt-get", "update", "-q"], installer]):
        try:
            if all(subprocess.run(c, env=env, capture_output=True, timeout=delai).returncode == 0
                   for c in commandes):
                return True
        except subprocess.TimeoutExpired:
            return False
    return False


def trouver_chromium():
    """Chemin de Chromium ($TP_CHROMIUM, sinon chromium / chromium-browser / google-chrome)."""
    candidats = [os.environ.get("TP_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"]
    for nom in filter(None, candidats):
        chemin = shutil.which(nom)
        if chemin:
            return chemin
    return None


def trouver_mathjax():
    """Chemin de ``MathJax.js`` (MathJax 2) : $TP_MATHJAX, sinon le paquet Debian."""
    candidats = [os.environ.get("TP_MATHJAX"), *EMPLACEMENTS_MATHJAX]
    for chemin in filter(None, candidats):
        if Path(chemin).is_file():
            return Path(chemin)
    return None


def url_mathjax(mathjax):
    """URL à donner à ``HTMLExporter.mathjax_url`` pour la copie locale de MathJax."""
    return f"{Path(mathjax).resolve().as_uri()}?config={CONFIG_MATHJAX}"


def avec_sonde(html):
    """Le HTML avec la sonde insérée juste avant ``</body>``."""
    assert "</body>" in html
    debut, fin = html.rsplit("</body>", 1)
    return f"{debut}{SONDE}</body>{fin}"


def rendre(page, capture, largeur=1100, hauteur_max=16000, delai=90):
    """Ouvre ``page`` (fichier HTML contenant la sonde) dans Chromium et renvoie la sonde.

    Écrit la capture d'écran de la page entière dans ``capture`` (PNG, coupée à la hauteur
    réelle de la page, au plus ``hauteur_max`` pixels). Renvoie le dictionnaire écrit par la
    sonde, avec en plus ``stderr`` (fin de la sortie d'erreur de Chromium).
    """
    chromium = trouver_chromium()
    with tempfile.TemporaryDirectory(prefix="tp_chromium_") as profil:
        commande = [
            chromium, *OPTIONS_CHROMIUM, f"--user-data-dir={profil}",
            f"--window-size={largeur},{hauteur_max}", "--virtual-time-budget=30000",
            f"--screenshot={capture}", "--dump-dom", Path(page).resolve().as_uri(),
        ]
        fini = subprocess.run(commande, capture_output=True, text=True, timeout=delai)
    dom, stderr = fini.stdout, fini.stderr[-3000:]
    trouves = re.findall(f'<pre id="{ID_SONDE}"[^>]*>(.*?)</pre>', dom, re.DOTALL)
    if not trouves:
        raise AssertionError(
            "La sonde n'a rien écrit : la page ou MathJax n'a pas fini de se charger dans "
            f"Chromium (code de sortie {fini.returncode}).\n{stderr}"
        )
    sonde = json.loads(html.unescape(trouves[-1]))
    sonde["stderr"] = stderr
    _recadrer(capture, sonde["hauteur"])
    return sonde


def _recadrer(capture, hauteur):
    """Coupe le bas vide de la capture (la fenêtre est plus haute que la page)."""
    from PIL import Image

    with Image.open(capture) as image:
        if hauteur < image.height:
            image.crop((0, 0, image.width, hauteur)).save(capture)
