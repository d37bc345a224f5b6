/* VSB news content helpers */
function doZoom(size){ var c=document.getElementById("vsb_content"); if(c){ c.style.fontSize=size+"px"; } }
