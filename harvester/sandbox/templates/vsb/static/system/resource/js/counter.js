/* VSB click counters: the number comes from dynclicks.jsp. */
function _vsbClicks(id, url){
	var x = new XMLHttpRequest(); x.open('GET', url);
	x.onload = function(){ var el = document.getElementById(id); if (el) { el.innerHTML = x.responseText; } };
	x.send();
}
function _showDynClicks(type, owner, id){
	var sid = 'dynclicks_' + type + '_' + id;
	document.write('<span id="' + sid + '"></span>');
	_vsbClicks(sid, '/system/resource/code/news/click/dynclicks.jsp?clickid=' + id + '&owner=' + owner + '&clicktype=' + type);
}
function _showDynClickBatch(ids, clickids, type, owner){
	for (var i = 0; i < ids.length; i++) {
		_vsbClicks(ids[i], '/system/resource/code/news/click/dynclicks.jsp?clickid=' + clickids[i] + '&owner=' + owner + '&clicktype=' + type);
	}
}
function getClickTimes(fileid, owner, type, kind){ }
