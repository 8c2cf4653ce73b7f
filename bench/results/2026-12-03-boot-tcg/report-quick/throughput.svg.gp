set title 'Throughput (median requests/s)'; set style data histograms;
set style histogram clustered gap 1; set style fill solid 0.6; set grid ytics;
set key top right; set yrange [0:*]; set xtics rotate by -20
plot for [i=2:5] 'throughput.dat' using i:xtic(1) title columnheader(i)
