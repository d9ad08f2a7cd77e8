#!/bin/sh
# Campagne de l'issue #11, par parties (à lancer depuis la racine du dépôt). Chaque ligne
# reprend ce qui manque sous build/benchmark/runs/ (ou build/benchmark-tp/runs/) : on peut
# l'interrompre et la relancer. Une seule campagne à la fois : sur 2 cœurs, deux
# entraînements simultanés (un fil chacun) vont moins vite que l'un après l'autre (deux fils).
#   nohup nice -n 10 sh benchmarks/campagne.sh > build/campagne.log 2>&1 &
B=".venv/bin/python benchmarks/benchmark.py"
$B --variantes maitre,plongement --graines 1,2,3,4,5
$B --vitesse-seulement --variantes maitre,plongement,residuel,cosinus
$B --variantes cosinus --graines 1,2,3
$B --variantes conditionnel,conditionnel-plongement --graines 1,2,3
$B --variantes brouillon --graines 1,2,3
make benchmark-budget-tp   # maitre et plongement, graine 1, ~37 500 itérations chacun
echo "campagne terminée"
